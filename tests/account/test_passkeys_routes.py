"""« Clés d'accès » through the pages: add from « Sécurité », remove, log in with one; and
hostile input on the name and the JSON endpoints (a clear refusal, never a 500)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.account.soft_authenticator import SoftAuthenticator
from tests.account.spaces import browser, is_logged_in
from tests.support import PASSWORD, SECOND_EMAIL, csrf_token, log_in, logged_in
from web.core.login_throttle import FREE_FAILURES, HARD_LIMIT
from web.core.two_step import FAIL_KEY
from web.extensions import db
from web.models import AuditEvent, MailOutbox, Passkey, RecoveryCode

ORIGIN = "http://espace-pro.example.com"
ADD = "/espace/securite/cles-d-acces/ajouter"
OPTIONS = "/espace/securite/cles-d-acces/options"
VERIFY = "/espace/securite/cles-d-acces"
LOGIN_OPTIONS = "/espace/connexion/cle-d-acces/options"
LOGIN_VERIFY = "/espace/connexion/cle-d-acces"
SECOND_STEP = "/espace/connexion/verification"
CODE = re.compile(r"<code>([0-9A-Z]{5}-[0-9A-Z]{5})</code>")
NAME_REQUIRED = "Donnez un nom à cette clé d'accès"


def token(client, url: str = ADD) -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


def post_json(client, url: str, payload, csrf: str):
    return client.post(url, json=payload, headers={"X-CSRFToken": csrf})


def add_passkey(client, authenticator: SoftAuthenticator, name: str = "Téléphone"):
    csrf = token(client)
    options = post_json(client, OPTIONS, {"name": name}, csrf)
    assert options.status_code == 200, options.get_json()
    answer = authenticator.create(options.get_json()["options"])
    return post_json(client, VERIFY, {"name": name, "credential": answer}, csrf)


def events(app, kind: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.kind == kind)))


def mail_kinds(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(MailOutbox.kind).order_by(MailOutbox.id)))


def stored(app, model) -> list:
    with app.app_context():
        return list(db.session.scalars(select(model)))


def recovery_codes(client) -> list[str]:
    return CODE.findall(client.get("/espace/securite/codes-de-secours").get_data(as_text=True))


def second_step_token(client) -> str:
    page = client.get(SECOND_STEP).get_data(as_text=True)
    found = re.search(r'data-csrf-token="([^"]+)"', page)
    assert found, "no passkey section on the second step"
    return found.group(1)


@pytest.fixture
def space(client, subscriber_id):
    return logged_in(client)


@pytest.fixture
def authenticator() -> SoftAuthenticator:
    return SoftAuthenticator(ORIGIN)


@pytest.fixture
def with_passkey(app, space, authenticator):
    """A space whose only second step is one passkey; logged out again; its recovery codes."""
    assert add_passkey(space, authenticator).status_code == 200
    codes = recovery_codes(space)
    space.post("/espace/deconnexion", data={"csrf_token": token(space, "/espace/")})
    return codes


def password_step(client) -> None:
    response = log_in(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(SECOND_STEP)


def test_the_first_passkey_turns_the_second_step_on_and_gives_recovery_codes(
    app, space, authenticator
):
    response = add_passkey(space, authenticator, "Clé de Marie")

    assert response.status_code == 200
    assert response.get_json() == {"redirect": "/espace/securite/codes-de-secours"}
    assert len(recovery_codes(space)) == 10
    (passkey,) = stored(app, Passkey)
    assert passkey.name == "Clé de Marie"
    assert [event.detail for event in events(app, "passkey_added")] == ["Clé de Marie"]
    assert [event.detail for event in events(app, "two_step_enabled")] == ["passkey"]
    assert "passkey_added" in mail_kinds(app)
    page = space.get("/espace/securite").get_data(as_text=True)
    assert "Clé de Marie" in page and "Jamais" in page


def test_the_first_passkey_closes_the_other_sessions_and_keeps_this_one(app, space, authenticator):
    """A session opened elsewhere with the password alone does not outlive the second step."""
    other = browser(app, "203.0.113.5")
    log_in(other)
    assert is_logged_in(other)

    assert add_passkey(space, authenticator).status_code == 200

    assert is_logged_in(space)
    assert not is_logged_in(other)


def test_a_second_passkey_goes_back_to_security_and_the_name_stays_text(app, space):
    add_passkey(space, SoftAuthenticator(ORIGIN), "Un")

    response = add_passkey(space, SoftAuthenticator(ORIGIN), "<script>alert(1)</script>")

    assert response.get_json() == {"redirect": "/espace/securite"}
    assert len(stored(app, RecoveryCode)) == 10  # the first set, not a new one
    page = space.get("/espace/securite").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", NAME_REQUIRED),
        ("   \t ", NAME_REQUIRED),
        (None, NAME_REQUIRED),
        (["liste"], NAME_REQUIRED),
        ({"objet": 1}, NAME_REQUIRED),
        ("x" * 61, "60 caractères au maximum."),
        ("Clé\u202etxt.exe", "Ce champ contient un caractère non autorisé."),
        ("nul\x00", "Ce champ contient un caractère non autorisé."),
    ],
)
def test_a_wrong_name_is_said_beside_the_field(app, space, name, message):
    csrf = token(space)
    for url in (OPTIONS, VERIFY):
        response = post_json(space, url, {"name": name, "credential": {}}, csrf)
        assert response.status_code == 400
        assert response.get_json()["field"] == "name"
        assert message in response.get_json()["error"]
    assert stored(app, Passkey) == []


def test_a_name_of_60_characters_with_accents_is_kept(app, space):
    name = "é" * 60
    assert add_passkey(space, SoftAuthenticator(ORIGIN), name).status_code == 200
    assert stored(app, Passkey)[0].name == name


@pytest.mark.parametrize(
    "body",
    ["{pas du json", "[1, 2]", '"texte"', "null", "1e999999", '{"name": "\\ud800"}'],
)
def test_malformed_json_is_refused_clearly(app, space, body):
    csrf = token(space)
    for url in (OPTIONS, VERIFY):
        response = space.post(
            url, data=body, content_type="application/json", headers={"X-CSRFToken": csrf}
        )
        assert response.status_code == 400
        assert response.is_json
        assert response.get_json()["error"]


def test_without_the_csrf_header_nothing_happens(app, space):
    response = space.post(OPTIONS, json={"name": "Téléphone"})

    assert response.status_code == 400
    assert stored(app, Passkey) == []


def test_an_answer_to_another_challenge_is_refused(app, space, authenticator):
    csrf = token(space)
    first = post_json(space, OPTIONS, {"name": "Un"}, csrf).get_json()["options"]
    post_json(space, OPTIONS, {"name": "Un"}, csrf)  # a new challenge replaces the first

    response = post_json(
        space, VERIFY, {"name": "Un", "credential": authenticator.create(first)}, csrf
    )

    assert response.status_code == 400
    assert "n'a pas pu être enregistrée" in response.get_json()["error"]
    assert stored(app, Passkey) == []


def test_a_replayed_registration_is_refused(app, space, authenticator):
    csrf = token(space)
    options = post_json(space, OPTIONS, {"name": "Un"}, csrf).get_json()["options"]
    answer = {"name": "Un", "credential": authenticator.create(options)}
    assert post_json(space, VERIFY, answer, csrf).status_code == 200

    replayed = post_json(space, VERIFY, answer, csrf)

    assert replayed.status_code == 400
    assert len(stored(app, Passkey)) == 1


@pytest.mark.parametrize("credential", [None, "x", [], {}, {"id": "AAAA", "response": 5}])
def test_a_hostile_credential_is_refused(app, space, credential):
    csrf = token(space)
    post_json(space, OPTIONS, {"name": "Un"}, csrf)

    response = post_json(space, VERIFY, {"name": "Un", "credential": credential}, csrf)

    assert response.status_code == 400
    assert response.get_json()["error"]


def test_the_password_then_the_passkey_open_the_space(app, client, with_passkey, authenticator):
    password_step(client)
    assert client.get("/espace/").status_code == 302  # the password alone opens nothing
    csrf = second_step_token(client)

    options = post_json(client, LOGIN_OPTIONS, {}, csrf)
    response = post_json(
        client, LOGIN_VERIFY, {"credential": authenticator.get(options.get_json()["options"])}, csrf
    )

    assert response.status_code == 200
    assert response.get_json() == {"redirect": "/espace/"}
    assert client.get("/espace/").status_code == 200
    assert [event.detail for event in events(app, "two_step_passed")] == ["passkey"]
    (passkey,) = stored(app, Passkey)
    assert passkey.sign_count == 1 and passkey.last_used_at is not None


def test_no_passkey_login_without_the_password_first(app, client, with_passkey, authenticator):
    for url in (LOGIN_OPTIONS, LOGIN_VERIFY):
        response = post_json(client, url, {}, token(client, "/espace/connexion"))
        assert response.status_code == 401
        assert "saisissez à nouveau votre mot de passe" in response.get_json()["error"]
    assert client.get("/espace/").status_code == 302


def test_another_subscribers_passkey_does_not_open_this_space(
    app, client, with_passkey, make_subscriber
):
    make_subscriber(SECOND_EMAIL, "20263100000002")
    neighbour = app.test_client()
    logged_in(neighbour, SECOND_EMAIL)
    theirs = SoftAuthenticator(ORIGIN)
    add_passkey(neighbour, theirs, "Le sien")

    password_step(client)
    csrf = second_step_token(client)
    options = post_json(client, LOGIN_OPTIONS, {}, csrf).get_json()["options"]
    answer = theirs.get({**options, "rpId": "espace-pro.example.com"})
    response = post_json(client, LOGIN_VERIFY, {"credential": answer}, csrf)

    assert response.status_code == 400
    assert "n'a pas été acceptée" in response.get_json()["error"]
    assert client.get("/espace/").status_code == 302
    assert [event.detail for event in events(app, "two_step_failed")] == ["passkey"]


def test_a_replayed_assertion_is_refused(app, client, with_passkey, authenticator):
    password_step(client)
    csrf = second_step_token(client)
    options = post_json(client, LOGIN_OPTIONS, {}, csrf).get_json()["options"]
    answer = {"credential": authenticator.get(options)}
    post_json(client, LOGIN_OPTIONS, {}, csrf)  # another challenge now

    assert post_json(client, LOGIN_VERIFY, answer, csrf).status_code == 400
    assert post_json(client, LOGIN_VERIFY, answer, csrf).status_code == 400
    assert client.get("/espace/").status_code == 302


@pytest.mark.parametrize("body", ["{pas du json", "[]", '{"credential": "x"}'])
def test_malformed_login_answers_are_refused_and_counted(app, client, with_passkey, body):
    password_step(client)
    csrf = second_step_token(client)
    post_json(client, LOGIN_OPTIONS, {}, csrf)

    response = client.post(
        LOGIN_VERIFY, data=body, content_type="application/json", headers={"X-CSRFToken": csrf}
    )

    assert response.status_code == 400
    assert response.get_json()["error"]
    assert len(events(app, "two_step_failed")) == 1


def test_failed_passkeys_are_throttled_like_wrong_codes(
    app, client, with_passkey, authenticator, redis_client
):
    password_step(client)
    csrf = second_step_token(client)
    statuses = [
        post_json(client, LOGIN_VERIFY, {"credential": {}}, csrf).status_code
        for _ in range(FREE_FAILURES + 1)
    ]
    assert statuses == [400] * FREE_FAILURES + [429]
    waiting = post_json(client, LOGIN_VERIFY, {"credential": {}}, csrf).get_json()["error"]
    assert "réessayez dans 1 minute(s)" in waiting

    # At the hard limit even the right passkey is refused.
    (subscriber_id,) = [passkey.registration_id for passkey in stored(app, Passkey)]
    redis_client.hset(FAIL_KEY.format(subscriber_id), mapping={"count": HARD_LIMIT, "last": 0})
    options = post_json(client, LOGIN_OPTIONS, {}, csrf).get_json()["options"]
    right = post_json(client, LOGIN_VERIFY, {"credential": authenticator.get(options)}, csrf)
    assert right.status_code == 429
    assert "Mot de passe oublié" in right.get_json()["error"]
    assert client.get("/espace/").status_code == 302


def test_removing_a_passkey_needs_the_password(app, space):
    add_passkey(space, SoftAuthenticator(ORIGIN), "Un")
    add_passkey(space, SoftAuthenticator(ORIGIN), "Deux")
    first = stored(app, Passkey)[0]
    url = f"/espace/securite/cles-d-acces/{first.id}/supprimer"
    page = space.get(url).get_data(as_text=True)
    assert 'name="code"' not in page  # another passkey remains: no code asked

    wrong = space.post(url, data={"csrf_token": token(space, url), "current_password": "Faux1234"})
    assert wrong.status_code == 400
    assert "Le mot de passe actuel est incorrect." in wrong.get_data(as_text=True)

    done = space.post(url, data={"csrf_token": token(space, url), "current_password": PASSWORD})
    assert done.status_code == 302
    assert [passkey.name for passkey in stored(app, Passkey)] == ["Deux"]
    assert [event.detail for event in events(app, "passkey_removed")] == ["Un"]
    assert "passkey_removed" in mail_kinds(app)
    assert events(app, "two_step_disabled") == []


def test_removing_the_last_method_needs_a_recovery_code(app, space, authenticator):
    add_passkey(space, authenticator, "Seule")
    codes = recovery_codes(space)
    (passkey,) = stored(app, Passkey)
    url = f"/espace/securite/cles-d-acces/{passkey.id}/supprimer"
    assert 'name="code"' in space.get(url).get_data(as_text=True)

    for code, message in (
        ("", "Saisissez un de vos codes de secours."),
        ("ABCDE-FGHJK", "Ce code de secours est incorrect ou déjà utilisé."),
        ("x" * 65, "64 caractères au maximum."),
    ):
        response = space.post(
            url,
            data={"csrf_token": token(space, url), "current_password": PASSWORD, "code": code},
        )
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert len(stored(app, Passkey)) == 1
    assert len(events(app, "two_step_failed")) == 1  # the wrong code counts, as at the login

    done = space.post(
        url, data={"csrf_token": token(space, url), "current_password": PASSWORD, "code": codes[0]}
    )

    assert done.status_code == 302
    assert stored(app, Passkey) == []
    assert stored(app, RecoveryCode) == []
    assert [event.detail for event in events(app, "two_step_disabled")] == ["passkey"]
    space.post("/espace/deconnexion", data={"csrf_token": token(space, "/espace/")})
    assert log_in(space).headers["Location"].endswith("/espace/")  # the password alone again


def test_another_subscribers_passkey_cannot_be_removed(app, space, make_subscriber):
    make_subscriber(SECOND_EMAIL, "20263100000002")
    neighbour = logged_in(app.test_client(), SECOND_EMAIL)
    add_passkey(neighbour, SoftAuthenticator(ORIGIN), "Le sien")
    (theirs,) = stored(app, Passkey)
    url = f"/espace/securite/cles-d-acces/{theirs.id}/supprimer"

    assert space.get(url).status_code == 302
    response = space.post(url, data={"csrf_token": token(space), "current_password": PASSWORD})
    assert response.status_code == 302
    assert len(stored(app, Passkey)) == 1
    assert space.get(
        "/espace/securite/cles-d-acces/99999999999999999999/supprimer"
    ).status_code in (
        302,
        404,
    )


def test_a_browser_without_script_is_told_what_is_missing(app, space):
    response = space.post(ADD, data={"csrf_token": token(space), "name": "Téléphone"})

    assert response.status_code == 400
    assert "JavaScript" in response.get_data(as_text=True)
    assert stored(app, Passkey) == []


def test_the_pages_exist_in_english(app, space):
    space.post("/langue/en", data={"csrf_token": token(space, "/espace/"), "next": "/espace/"})
    page = space.get(ADD).get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Add a passkey" in page
    response = post_json(space, OPTIONS, {"name": ""}, token(space))
    assert response.get_json()["error"].startswith("Give this passkey a name")


def test_json_reaches_only_the_ceremonies(app, space):
    csrf = token(space)
    refused = post_json(space, "/espace/mot-de-passe", {"current_password": PASSWORD}, csrf)
    assert refused.status_code == 415
    assert post_json(space, OPTIONS, {"name": "Un"}, csrf).status_code == 200


def test_a_locked_second_step_cannot_remove_the_last_passkey(app, space, redis_client):
    add_passkey(space, SoftAuthenticator(ORIGIN), "Seule")
    codes = recovery_codes(space)
    (passkey,) = stored(app, Passkey)
    redis_client.hset(
        FAIL_KEY.format(passkey.registration_id), mapping={"count": HARD_LIMIT, "last": 0}
    )
    url = f"/espace/securite/cles-d-acces/{passkey.id}/supprimer"

    response = space.post(
        url, data={"csrf_token": token(space, url), "current_password": PASSWORD, "code": codes[0]}
    )

    assert response.status_code == 429
    assert "Mot de passe oublié" in response.get_data(as_text=True)
    assert len(stored(app, Passkey)) == 1
    assert len(stored(app, RecoveryCode)) == 10


@pytest.mark.app_config(REQUIRE_TWO_STEP=True)
def test_a_required_second_step_may_be_a_passkey(app, space, authenticator):
    assert space.get("/espace/").headers["Location"].endswith("/espace/securite/application")
    setup = space.get("/espace/securite/application").get_data(as_text=True)
    assert f'href="{ADD}"' in setup

    response = add_passkey(space, authenticator)

    assert response.get_json() == {"redirect": "/espace/securite/codes-de-secours"}
    assert space.get("/espace/").status_code == 200
