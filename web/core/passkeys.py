"""Passkeys (WebAuthn, py_webauthn 3): registering one from the space, and using one as the
login's second step.

The relying party is the site of PUBLIC_URL: its host is the rp id, its scheme and host the
expected origin. Each ceremony's challenge lives server-side in Redis for 5 minutes, under a
random reference kept in the signed session cookie, for one purpose and one subscriber; it is
taken (GETDEL) by the first answer, right or wrong, so a challenge never serves twice.
Only public material is stored: the credential's id and public key, and its sign count.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, session
from sqlalchemy import delete, func, select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from web.core import two_step
from web.extensions import db, redis_store
from web.models import Passkey, RecoveryCode, Registration, utcnow

CHALLENGE_KEY = "passkey:challenge:{}"
SESSION_FIELD = "passkey_challenge"
CHALLENGE_SECONDS = 5 * 60
CEREMONY_TIMEOUT_MS = 2 * 60 * 1000
REGISTER = "register"
LOGIN = "login"
RP_NAME = "espace-pro"
NAME_MAX_LENGTH = 60
MAX_PASSKEYS = 20
# What a hostile or broken answer may raise while being parsed, besides py_webauthn's own.
MALFORMED = (WebAuthnException, ValueError, TypeError, KeyError, AttributeError, IndexError)
KNOWN_TRANSPORTS = frozenset(transport.value for transport in AuthenticatorTransport)


class PasskeyError(Exception):
    """A ceremony refused: `reason` says why, for tests and logs (never shown as is)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def relying_party() -> tuple[str, str]:
    """(rp id, origin) from PUBLIC_URL: « pro.example.com », « https://pro.example.com »."""
    base = current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000"
    parts = urlsplit(base)
    return parts.hostname or "", f"{parts.scheme}://{parts.netloc}"


def passkeys_of(registration: Registration) -> list[Passkey]:
    """The subscriber's passkeys, oldest first."""
    return list(
        db.session.scalars(
            select(Passkey)
            .where(Passkey.registration_id == registration.id)
            .order_by(Passkey.created_at, Passkey.id)
        )
    )


def passkey_count(registration: Registration) -> int:
    return db.session.scalar(
        select(func.count(Passkey.id)).where(Passkey.registration_id == registration.id)
    )


def has_passkeys(registration: Registration) -> bool:
    """Whether the subscriber may use a passkey as the second step."""
    return passkey_count(registration) > 0


def find_passkey(registration: Registration, passkey_id: int) -> Passkey | None:
    """One of the subscriber's own passkeys, by its row id (another's is not found)."""
    passkey = db.session.get(Passkey, passkey_id)
    if passkey is None or passkey.registration_id != registration.id:
        return None
    return passkey


def user_handle(registration: Registration) -> bytes:
    """The WebAuthn user id: a keyed hash of the registration id (no personal data)."""
    key = hmac.new(
        current_app.config["SECRET_KEY"].encode(), b"espace-pro passkey user", hashlib.sha256
    ).digest()
    return hmac.new(key, str(registration.id).encode(), hashlib.sha256).digest()


def _descriptors(registration: Registration) -> list[PublicKeyCredentialDescriptor]:
    descriptors = []
    for passkey in passkeys_of(registration):
        transports = [
            AuthenticatorTransport(value)
            for value in (passkey.transports or "").split(",")
            if value in KNOWN_TRANSPORTS
        ]
        descriptors.append(
            PublicKeyCredentialDescriptor(
                id=base64url_to_bytes(passkey.credential_id), transports=transports or None
            )
        )
    return descriptors


def remove(registration: Registration, passkey: Passkey) -> bool:
    """Remove a passkey (the caller checked the password, and the code for the last method,
    then records and commits). True when the login has no second step left: the recovery
    codes go too, as when the authenticator app is turned off."""
    db.session.delete(passkey)
    db.session.flush()
    if two_step.is_enabled(registration):
        return False
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.registration_id == registration.id))
    return True


def remove_all(registration: Registration) -> None:
    """The operator's reset: every passkey of the subscriber goes (in the caller's
    transaction)."""
    db.session.execute(delete(Passkey).where(Passkey.registration_id == registration.id))


# The challenge ---------------------------------------------------------------------------


def _keep_challenge(purpose: str, registration: Registration, challenge: bytes) -> None:
    _drop_challenge()
    reference = secrets.token_urlsafe(32)
    value = {
        "purpose": purpose,
        "registration_id": registration.id,
        "challenge": bytes_to_base64url(challenge),
        "at": time.time(),
    }
    redis_store.connection.set(
        CHALLENGE_KEY.format(reference), json.dumps(value), ex=CHALLENGE_SECONDS
    )
    session[SESSION_FIELD] = reference


def _drop_challenge() -> None:
    reference = session.pop(SESSION_FIELD, None)
    if isinstance(reference, str):
        redis_store.connection.delete(CHALLENGE_KEY.format(reference))


def _take_challenge(purpose: str, registration: Registration) -> bytes:
    """This session's challenge for this purpose and subscriber, used up by this call."""
    reference = session.pop(SESSION_FIELD, None)
    if not isinstance(reference, str):
        raise PasskeyError("no challenge in this session")
    raw = redis_store.connection.getdel(CHALLENGE_KEY.format(reference))
    if raw is None:
        raise PasskeyError("challenge used or expired")
    kept = json.loads(raw)
    # Redis's TTL ends it too; the app's clock decides (and is what the tests move).
    if time.time() - kept["at"] > CHALLENGE_SECONDS:
        raise PasskeyError("challenge expired")
    if kept["purpose"] != purpose or kept["registration_id"] != registration.id:
        raise PasskeyError("challenge of another ceremony")
    return base64url_to_bytes(kept["challenge"])


# Registration ----------------------------------------------------------------------------


def registration_options(registration: Registration) -> dict[str, Any]:
    """The options for navigator.credentials.create(), as JSON-ready data; the passkeys the
    subscriber already has are excluded (an authenticator does not register twice)."""
    rp_id, _origin = relying_party()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_id=user_handle(registration),
        user_name=registration.email or "",
        user_display_name=" ".join(
            part for part in (registration.first_name, registration.last_name) if part
        )
        or (registration.email or ""),
        timeout=CEREMONY_TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(registration),
    )
    _keep_challenge(REGISTER, registration, options.challenge)
    return json.loads(options_to_json(options))


def verify_registration(registration: Registration, credential: Any, name: str) -> Passkey:
    """Check the authenticator's answer to this session's challenge and add the passkey
    (to the DB session: the caller records the event and commits)."""
    challenge = _take_challenge(REGISTER, registration)
    if not isinstance(credential, dict):
        raise PasskeyError("credential is not an object")
    rp_id, origin = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except MALFORMED as error:
        raise PasskeyError(f"registration refused: {error}") from error
    credential_id = bytes_to_base64url(verified.credential_id)
    if len(credential_id) > 1400:
        raise PasskeyError("credential id too long")
    if db.session.scalar(select(Passkey.id).where(Passkey.credential_id == credential_id)):
        raise PasskeyError("credential already registered")
    transports = credential.get("response", {}).get("transports")
    kept_transports = (
        [value for value in transports if value in KNOWN_TRANSPORTS]
        if isinstance(transports, list)
        else []
    )
    passkey = Passkey(
        registration_id=registration.id,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=",".join(sorted(set(kept_transports)))[:100] or None,
        name=name[:NAME_MAX_LENGTH],
        created_at=utcnow(),
    )
    db.session.add(passkey)
    return passkey


# Authentication --------------------------------------------------------------------------


def authentication_options(registration: Registration) -> dict[str, Any]:
    """The options for navigator.credentials.get(): the subscriber's own passkeys only."""
    rp_id, _origin = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        timeout=CEREMONY_TIMEOUT_MS,
        allow_credentials=_descriptors(registration),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    _keep_challenge(LOGIN, registration, options.challenge)
    return json.loads(options_to_json(options))


def verify_authentication(registration: Registration, credential: Any) -> Passkey:
    """Check a signed answer to this session's challenge by one of the subscriber's passkeys;
    the sign count must have grown (a cloned authenticator is refused). The passkey's
    count and last use are updated (the caller commits)."""
    challenge = _take_challenge(LOGIN, registration)
    if not isinstance(credential, dict) or not isinstance(credential.get("id"), str):
        raise PasskeyError("credential is not an object with an id")
    passkey = db.session.scalar(
        select(Passkey).where(
            Passkey.credential_id == credential["id"][:1400],
            Passkey.registration_id == registration.id,
        )
    )
    if passkey is None:
        raise PasskeyError("not one of this subscriber's passkeys")
    rp_id, origin = relying_party()
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
        )
    except MALFORMED as error:
        raise PasskeyError(f"authentication refused: {error}") from error
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = utcnow()
    return passkey


two_step.register_method("passkey", has_passkeys, remove_all)
