"""web/core/passkeys.py: the WebAuthn ceremonies, checked by py_webauthn on answers made by a
software authenticator (real keys, real CBOR, real signatures)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import session
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from tests.account.soft_authenticator import SoftAuthenticator, allowed_ids
from tests.support import SECOND_EMAIL
from web.core import passkeys, two_step
from web.extensions import db, redis_store
from web.models import Passkey, Registration

ORIGIN = "http://espace-pro.example.com"
START = datetime(2030, 3, 14, 9, 4, tzinfo=UTC)


@pytest.fixture
def context(app, subscriber_id) -> Iterator[Registration]:
    """One request's context (one session) and the subscriber."""
    with app.test_request_context():
        yield db.session.get(Registration, subscriber_id)


def register(registration: Registration, name: str = "Téléphone") -> SoftAuthenticator:
    authenticator = SoftAuthenticator(ORIGIN)
    options = passkeys.registration_options(registration)
    passkeys.verify_registration(registration, authenticator.create(options), name)
    db.session.commit()
    return authenticator


def log_in(registration: Registration, authenticator: SoftAuthenticator, **kwargs) -> Passkey:
    options = passkeys.authentication_options(registration)
    passkey = passkeys.verify_authentication(registration, authenticator.get(options, **kwargs))
    db.session.commit()
    return passkey


def refused(call, *args) -> str:
    with pytest.raises(passkeys.PasskeyError) as raised:
        call(*args)
    db.session.rollback()
    return raised.value.reason


@pytest.mark.parametrize(
    ("public_url", "rp_id", "origin"),
    [
        ("https://pro.example.com", "pro.example.com", "https://pro.example.com"),
        ("https://pro.example.com:8443/", "pro.example.com", "https://pro.example.com:8443"),
        ("http://localhost:5000", "localhost", "http://localhost:5000"),
    ],
)
def test_the_relying_party_is_the_site_of_public_url(app, public_url, rp_id, origin):
    app.config["PUBLIC_URL"] = public_url
    with app.app_context():
        assert passkeys.relying_party() == (rp_id, origin)


def test_a_registered_passkey_turns_the_second_step_on(context):
    assert passkeys.has_passkeys(context) is False
    assert "passkey" not in two_step.enabled_methods(context)

    authenticator = register(context, "Clé de Marie")

    (passkey,) = passkeys.passkeys_of(context)
    assert passkey.name == "Clé de Marie"
    assert passkey.credential_id == authenticator.credential_id_b64
    assert passkey.sign_count == 0
    assert passkey.transports == "internal"
    assert passkey.last_used_at is None
    assert "passkey" in two_step.enabled_methods(context)


def test_the_options_name_the_site_prefer_verification_and_exclude_known_passkeys(context):
    first = register(context)

    options = passkeys.registration_options(context)

    assert options["rp"] == {"id": "espace-pro.example.com", "name": "espace-pro"}
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert allowed_ids(options) == [first.credential_id]
    # The user id is a keyed hash of the registration id (32 bytes), not the address.
    user_id = base64url_to_bytes(options["user"]["id"])
    assert user_id == passkeys.user_handle(context) and len(user_id) == 32
    assert context.email.encode() not in user_id
    assert options["user"]["name"] == context.email


def test_the_same_authenticator_is_not_registered_twice(context):
    authenticator = register(context)
    options = passkeys.registration_options(context)

    assert refused(
        passkeys.verify_registration, context, authenticator.create(options), "Encore"
    ) == ("credential already registered")
    assert len(passkeys.passkeys_of(context)) == 1


def test_a_challenge_serves_once(context):
    authenticator = SoftAuthenticator(ORIGIN)
    options = passkeys.registration_options(context)
    answer = authenticator.create(options)
    passkeys.verify_registration(context, answer, "Téléphone")
    db.session.commit()
    assert redis_store.connection.keys("passkey:challenge:*") == []

    # The same answer again, with the session's reference put back: the challenge is gone.
    assert refused(passkeys.verify_registration, context, answer, "Autre") == (
        "no challenge in this session"
    )
    passkeys.authentication_options(context)
    reference = session[passkeys.SESSION_FIELD]
    redis_store.connection.delete(passkeys.CHALLENGE_KEY.format(reference))
    assert refused(passkeys.verify_authentication, context, answer) == ("challenge used or expired")


def test_a_wrong_answer_uses_the_challenge_up_too(context):
    authenticator = SoftAuthenticator(ORIGIN)
    options = passkeys.registration_options(context)
    wrong = authenticator.create(options, origin="https://evil.example.com")

    assert refused(passkeys.verify_registration, context, wrong, "Téléphone").startswith(
        "registration refused"
    )
    right = authenticator.create(options)
    assert refused(passkeys.verify_registration, context, right, "Téléphone") == (
        "no challenge in this session"
    )


def test_a_challenge_lasts_five_minutes(context):
    with time_machine.travel(START, tick=False) as clock:
        authenticator = SoftAuthenticator(ORIGIN)
        options = passkeys.registration_options(context)
        clock.shift(timedelta(minutes=5, seconds=1))
        assert refused(
            passkeys.verify_registration, context, authenticator.create(options), "Téléphone"
        ) in {"challenge expired", "challenge used or expired"}
        options = passkeys.registration_options(context)
        clock.shift(timedelta(minutes=4, seconds=59))
        passkeys.verify_registration(context, authenticator.create(options), "Téléphone")


@pytest.mark.parametrize(
    ("origin", "rp_id"),
    [("https://evil.example.com", None), (None, "evil.example.com"), ("http://localhost", None)],
)
def test_another_site_is_refused(context, origin, rp_id):
    authenticator = register(context)
    options = passkeys.authentication_options(context)

    answer = authenticator.get(options, origin=origin, rp_id=rp_id)

    assert refused(passkeys.verify_authentication, context, answer).startswith(
        "authentication refused"
    )


def test_a_login_signs_the_challenge_and_moves_the_count(context):
    authenticator = register(context)

    with time_machine.travel(START, tick=False):
        passkey = log_in(context, authenticator)

    assert passkey.sign_count == 1
    assert passkey.last_used_at == START.replace(tzinfo=None)
    assert allowed_ids(passkeys.authentication_options(context)) == [authenticator.credential_id]


def test_a_count_that_does_not_grow_is_a_clone_and_is_refused(context):
    authenticator = register(context)
    log_in(context, authenticator, count=5)

    options = passkeys.authentication_options(context)
    answer = authenticator.get(options, count=5)

    assert "sign count" in refused(passkeys.verify_authentication, context, answer)
    assert passkeys.passkeys_of(context)[0].sign_count == 5


def test_a_registration_challenge_does_not_serve_a_login(context):
    authenticator = register(context)
    options = passkeys.registration_options(context)

    answer = authenticator.get({"rpId": "espace-pro.example.com", **options})

    assert refused(passkeys.verify_authentication, context, answer) == (
        "challenge of another ceremony"
    )


def test_another_subscribers_passkey_is_refused(app, context, make_subscriber):
    neighbour = db.session.get(Registration, make_subscriber(SECOND_EMAIL, "20263100000002"))
    theirs = register(neighbour)
    register(context)

    options = passkeys.authentication_options(context)
    answer = theirs.get({**options, "rpId": "espace-pro.example.com"})

    assert refused(passkeys.verify_authentication, context, answer) == (
        "not one of this subscriber's passkeys"
    )


def test_a_forged_signature_is_refused(context):
    authenticator = register(context)
    impostor = SoftAuthenticator(ORIGIN, credential_id=authenticator.credential_id)
    options = passkeys.authentication_options(context)

    assert refused(passkeys.verify_authentication, context, impostor.get(options)).startswith(
        "authentication refused"
    )


HOSTILE = [
    None,
    [],
    "a string",
    {},
    {"id": 5},
    {"id": "AAAA"},
    {"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": "garbage"},
    {
        "id": "AAAA",
        "rawId": "AAAA",
        "type": "public-key",
        "response": {"clientDataJSON": "!!!", "attestationObject": "%%%"},
    },
    {
        "id": "AAAA",
        "rawId": "AAAA",
        "type": "public-key",
        "response": {
            "clientDataJSON": bytes_to_base64url(b"{not json"),
            "attestationObject": bytes_to_base64url(b"\xff\x00not cbor"),
            "authenticatorData": bytes_to_base64url(b"short"),
            "signature": "AA",
        },
    },
]


@pytest.mark.parametrize("answer", HOSTILE)
def test_hostile_answers_are_refused_as_such(context, answer):
    passkeys.registration_options(context)
    assert refused(passkeys.verify_registration, context, answer, "Nom")

    authenticator = register(context)
    passkeys.authentication_options(context)
    assert refused(passkeys.verify_authentication, context, answer)
    if isinstance(answer, dict) and answer.get("id") == "AAAA":
        # Aimed at the real passkey: still refused, and its count did not move.
        passkeys.authentication_options(context)
        forged = {**answer, "id": authenticator.credential_id_b64}
        forged["rawId"] = forged["id"]
        assert refused(passkeys.verify_authentication, context, forged)
        assert passkeys.passkeys_of(context)[0].sign_count == 0


def test_removing_the_last_passkey_turns_the_second_step_off(context):
    register(context, "Un")
    register(context, "Deux")
    first, second = passkeys.passkeys_of(context)

    assert passkeys.remove(context, first) is False
    assert passkeys.remove(context, second) is True
    db.session.commit()
    assert passkeys.has_passkeys(context) is False
    assert not two_step.is_enabled(context)


def test_the_operators_reset_removes_every_passkey(context, make_subscriber):
    neighbour = db.session.get(Registration, make_subscriber(SECOND_EMAIL, "20263100000002"))
    register(context, "Un")
    register(context, "Deux")
    register(neighbour, "Le sien")

    two_step.reset_all(context, "ticket 42")

    assert passkeys.passkeys_of(context) == []
    assert not two_step.is_enabled(context)
    assert [passkey.name for passkey in passkeys.passkeys_of(neighbour)] == ["Le sien"]
