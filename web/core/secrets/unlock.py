"""Unlock links: a mailed, single-use, 1-hour link that reopens a login closed to unknown
devices by strangers' failures.

The link carries a signed random nonce; Redis keeps only a keyed hash of it, deleted by the
first use, so a second use (or a copy of the link) finds nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import redis
from flask import current_app

from web.core.secrets.tokens import TokenCheck, TokenPurpose, TokenStatus, check_token, make_token
from web.extensions import db
from web.models import Registration, RegistrationState

UNLOCK_LINK_SECONDS = 3600
UNLOCK_KEY = "login:unlock:{}"


def _nonce_key(nonce: str) -> str:
    key = hmac.new(
        current_app.config["SECRET_KEY"].encode(), b"espace-pro unlock key", hashlib.sha256
    ).digest()
    return UNLOCK_KEY.format(hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()[:32])


def issue_unlock_token(connection: redis.Redis, registration: Registration) -> str:
    """A new link's token for the space, good once within the hour."""
    nonce = secrets.token_urlsafe(24)
    connection.set(_nonce_key(nonce), registration.id, ex=UNLOCK_LINK_SECONDS)
    return make_token(TokenPurpose.LOGIN_UNLOCK, {"id": registration.id, "n": nonce})


def _read(connection: redis.Redis, token: str) -> tuple[TokenCheck, str | None]:
    check = check_token(TokenPurpose.LOGIN_UNLOCK, token, max_age=UNLOCK_LINK_SECONDS)
    if check.status is not TokenStatus.VALID:
        return check, None
    payload = check.value if isinstance(check.value, dict) else {}
    key = _nonce_key(str(payload.get("n", "")))
    registration = db.session.get(Registration, payload.get("id") or 0)
    if (
        registration is None
        or registration.state != RegistrationState.ACTIVE
        or connection.get(key) != str(registration.id).encode()
    ):
        return TokenCheck(TokenStatus.INVALID), None
    return TokenCheck(TokenStatus.VALID, registration, check.issued_at), key


def read_unlock_token(connection: redis.Redis, token: str) -> TokenCheck:
    """Valid with the registration, expired, or invalid (including: already used)."""
    return _read(connection, token)[0]


def use_unlock_token(connection: redis.Redis, token: str) -> TokenCheck:
    """Like `read_unlock_token`, and spend the link: of two concurrent uses, one wins."""
    check, key = _read(connection, token)
    if check.status is TokenStatus.VALID and not connection.delete(key):
        return TokenCheck(TokenStatus.INVALID)
    return check
