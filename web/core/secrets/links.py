"""The activation mail's link: an opaque reference that fills in the address on the
activation page, and works exactly as long as the code it came with.

The link carries neither the address nor the registration id, readable or not: only a random
reference, signed and timed (so an expired link is told from a forged one). Redis maps the
reference's keyed hash to the registration and to a fingerprint of that mail's code hash:
once the code is used, replaced by a resend, burned or expired, the link is dead too.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import redis
from flask import current_app

from web.core.secrets import codes
from web.core.secrets.tokens import TokenPurpose, TokenStatus, check_token, make_token

LINK_KEY = "activation:link:{}"


class LinkStatus(enum.Enum):
    """What following an activation link found."""

    VALID = "valid"
    EXPIRED = "expired"  # past the code's validity
    SPENT = "spent"  # genuine, but its code was used, replaced or burned
    INVALID = "invalid"  # forged, damaged, or the older kind that carried the address


@dataclass(frozen=True)
class LinkCheck:
    """A link's status and, when valid, its registration id."""

    status: LinkStatus
    registration_id: int | None = None


def _reference_key(reference: str) -> str:
    secret_key = current_app.config["SECRET_KEY"]
    key = hmac.new(secret_key.encode(), b"espace-pro activation link key", hashlib.sha256)
    digest = hmac.new(key.digest(), reference.encode(), hashlib.sha256).hexdigest()
    return LINK_KEY.format(digest)


def _code_fingerprint(code_digest: str | bytes) -> str:
    if isinstance(code_digest, bytes):
        code_digest = code_digest.decode()
    return hashlib.sha256(code_digest.encode()).hexdigest()[:24]


def issue_link(
    connection: redis.Redis, registration_id: int, code_digest: str, lifetime: int
) -> str:
    """A new link token for the code whose hash is `code_digest`; kept `lifetime` seconds."""
    reference = secrets.token_urlsafe(24)
    value = f"{registration_id}:{_code_fingerprint(code_digest)}"
    connection.set(_reference_key(reference), value, ex=lifetime)
    return make_token(TokenPurpose.ACTIVATION_LINK, reference)


def follow_link(connection: redis.Redis, token: str) -> LinkCheck:
    """Valid with the registration id while the link's code is the registration's code."""
    check = check_token(
        TokenPurpose.ACTIVATION_LINK,
        token,
        max_age=current_app.config["ACTIVATION_CODE_TTL_SECONDS"],
    )
    if check.status is TokenStatus.EXPIRED:
        return LinkCheck(LinkStatus.EXPIRED)
    if check.status is not TokenStatus.VALID or not isinstance(check.value, str):
        return LinkCheck(LinkStatus.INVALID)
    stored = connection.get(_reference_key(check.value))
    if stored is None:
        return LinkCheck(LinkStatus.SPENT)
    registration_id, fingerprint = stored.decode().split(":", 1)
    current = connection.get(codes.CODE_KEY.format(registration_id))
    if current is None or not hmac.compare_digest(_code_fingerprint(current), fingerprint):
        return LinkCheck(LinkStatus.SPENT)
    return LinkCheck(LinkStatus.VALID, int(registration_id))
