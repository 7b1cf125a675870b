"""Fingerprints: keyed hashes that stand for an address in Redis keys, or for a wizard
draft on the registration it became."""

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


def draft_fingerprint(draft_token: str) -> str:
    """A keyed hash of a wizard draft's token, kept on the registration it became: a
    « Valider » sent again (its first answer lost) finds that registration, not a twin."""
    key = hmac.new(
        current_app.config["SECRET_KEY"].encode(), b"espace-pro draft key", hashlib.sha256
    ).digest()
    return hmac.new(key, draft_token.encode(), hashlib.sha256).hexdigest()[:32]
