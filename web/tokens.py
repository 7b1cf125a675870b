"""Signed, timed tokens: one salt per purpose; expired and invalid told apart."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class TokenPurpose(enum.StrEnum):
    """Each purpose signs with its own salt, so a token is good for one thing only."""

    ACTIVATION_LINK = "espace-pro.activation-link"
    PASSWORD_RESET = "espace-pro.password-reset"  # noqa: S105 - a salt name


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
