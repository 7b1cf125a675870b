"""Device cookies (OWASP's « Slow down online guessing attacks with device cookies»).

A browser that logged in to a space gets a signed cookie binding it to that login address:
a random nonce per browser, signed with SECRET_KEY. Its login failures count against that
device alone, so a stranger's failures on unknown devices never keep the owner's browser
out. Redis only ever sees a keyed hash of the nonce (the device's id in the throttle).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Request, Response, current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from web.core.secrets.fingerprint import address_fingerprint

DEVICE_COOKIE = "device"
SECURE_DEVICE_COOKIE = "__Host-device"
DEVICE_COOKIE_SECONDS = 365 * 24 * 3600
# One browser shared by a few colleagues keeps each one's allowance.
MAX_ACCOUNTS_PER_DEVICE = 5
_SALT = "espace-pro.trusted-device"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _cookie_name() -> str:
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE"))
    return SECURE_DEVICE_COOKIE if secure else DEVICE_COOKIE


def _entries(request: Request) -> list[list[str]]:
    """The (address fingerprint, nonce) pairs of a validly signed cookie, else none."""
    value = request.cookies.get(_cookie_name())
    if not value:
        return []
    try:
        entries = _serializer().loads(value, max_age=DEVICE_COOKIE_SECONDS)
    except BadSignature:
        return []
    if not isinstance(entries, list):
        return []
    return [entry for entry in entries if isinstance(entry, list) and len(entry) == 2]


def device_id(nonce: str) -> str:
    """The keyed hash that stands for a device's nonce in Redis (never the nonce itself)."""
    key = hmac.new(
        current_app.config["SECRET_KEY"].encode(), b"espace-pro device key", hashlib.sha256
    ).digest()
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()[:32]


def trusted_device(request: Request, email: str) -> str | None:
    """The device id when this browser has logged in to `email` before, else None."""
    fingerprint = address_fingerprint(email)
    for entry_fingerprint, nonce in _entries(request):
        if hmac.compare_digest(str(entry_fingerprint), fingerprint):
            return device_id(str(nonce))
    return None


def trust_device(request: Request, response: Response, email: str) -> str:
    """Bind this browser to `email` with a new nonce (the old one's count is left behind);
    returns the new device id."""
    fingerprint = address_fingerprint(email)
    nonce = secrets.token_urlsafe(24)
    kept = [entry for entry in _entries(request) if entry[0] != fingerprint]
    entries = [*kept[-(MAX_ACCOUNTS_PER_DEVICE - 1) :], [fingerprint, nonce]]
    response.set_cookie(
        _cookie_name(),
        _serializer().dumps(entries),
        max_age=DEVICE_COOKIE_SECONDS,
        path="/",
        samesite="Lax",
        httponly=True,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return device_id(nonce)
