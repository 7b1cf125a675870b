"""Password-reset links: signed, 1 h, and bound to the password hash so they die once used."""

from __future__ import annotations

import hashlib

from web.models import Registration
from web.tokens import TokenCheck, TokenPurpose, TokenStatus, check_token, make_token

RESET_LINK_SECONDS = 3600


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
    from web.extensions import db

    check = check_token(TokenPurpose.PASSWORD_RESET, token, max_age=RESET_LINK_SECONDS)
    if check.status is not TokenStatus.VALID:
        return check
    payload = check.value if isinstance(check.value, dict) else {}
    registration = db.session.get(Registration, payload.get("id") or 0)
    if (
        registration is None
        or registration.state != "active"
        or payload.get("pw") != password_fingerprint(registration)
    ):
        return TokenCheck(TokenStatus.INVALID)
    return TokenCheck(TokenStatus.VALID, registration, check.issued_at)
