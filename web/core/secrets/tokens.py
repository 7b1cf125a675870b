"""Signed, timed tokens: one salt per purpose; expired and invalid told apart.

Password-reset links are bound to the password hash, so they die once used.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from web.extensions import db
from web.models import Registration, RegistrationState

RESET_LINK_SECONDS = 3600


class TokenPurpose(enum.StrEnum):
    """Each purpose signs with its own salt, so a token is good for one thing only."""

    # A random reference (web/core/secrets/links.py). The salt changed with the payload:
    # links of the older kind, which carried the address, no longer verify.
    ACTIVATION_LINK = "espace-pro.activation-link.reference"
    PASSWORD_RESET = "espace-pro.password-reset"  # noqa: S105 - a salt name
    LOGIN_UNLOCK = "espace-pro.login-unlock"


class TokenStatus(enum.Enum):
    """The outcome of reading a token."""

    VALID = "valid"
    EXPIRED = "expired"
    INVALID = "invalid"


@dataclass(frozen=True)
class TokenCheck:
    """A token's status and, when valid, its payload."""

    status: TokenStatus
    value: Any = None
    issued_at: datetime | None = None


def _serializer(purpose: TokenPurpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=str(purpose))


def make_token(purpose: TokenPurpose, value: Any) -> str:
    """Sign a value for one purpose."""
    return _serializer(purpose).dumps(value)


def check_token(purpose: TokenPurpose, token: str, max_age: int) -> TokenCheck:
    """Read a token: valid with its value, expired, or invalid."""
    try:
        value, issued_at = _serializer(purpose).loads(token, max_age=max_age, return_timestamp=True)
        return TokenCheck(TokenStatus.VALID, value, issued_at)
    except SignatureExpired:
        return TokenCheck(TokenStatus.EXPIRED)
    except BadSignature:
        return TokenCheck(TokenStatus.INVALID)


def password_fingerprint(registration: Registration) -> str:
    """A short digest of the current password hash (the hash itself never leaves the DB)."""
    return hashlib.sha256((registration.password_hash or "").encode()).hexdigest()[:24]


def make_reset_token(registration: Registration) -> str:
    """The token of a reset link for the subscriber's current password."""
    return make_token(
        TokenPurpose.PASSWORD_RESET,
        {"id": registration.id, "pw": password_fingerprint(registration)},
    )


def read_reset_token(token: str) -> TokenCheck:
    """Valid with the registration id, expired, or invalid (including: already used)."""
    check = check_token(TokenPurpose.PASSWORD_RESET, token, max_age=RESET_LINK_SECONDS)
    if check.status is not TokenStatus.VALID:
        return check
    payload = check.value if isinstance(check.value, dict) else {}
    registration = db.session.get(Registration, payload.get("id") or 0)
    if (
        registration is None
        or registration.state != RegistrationState.ACTIVE
        or payload.get("pw") != password_fingerprint(registration)
    ):
        return TokenCheck(TokenStatus.INVALID)
    return TokenCheck(TokenStatus.VALID, registration, check.issued_at)
