"""The address fingerprint: a keyed hash that stands for an address in Redis keys."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app


def address_fingerprint(address: str) -> str:
    """A keyed hash of a normalised address, for Redis keys (the address never in clear)."""
    key = hmac.new(
        current_app.config["SECRET_KEY"].encode(), b"espace-pro address key", hashlib.sha256
    ).digest()
    return hmac.new(key, address.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]
