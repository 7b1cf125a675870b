"""The success page's receipt: right after activation, this browser session may see the
subscriber number and download the PDF, for ACTIVATION_RECEIPT_SECONDS (15 min), until the
next login or logout.

The signed session cookie carries only a random receipt id; Redis holds the registration id
and the time of activation. Ending the receipt deletes that key, so a copy of the cookie
(another browser, a saved cookie jar) shows nothing once the person has logged in or out.
"""

from __future__ import annotations

import json
import secrets
import time

from flask import current_app, session

from web.extensions import redis_store

RECEIPT_KEY = "activation:receipt:{}"
SESSION_FIELD = "activated"


def _lifetime() -> int:
    return current_app.config["ACTIVATION_RECEIPT_SECONDS"]


def grant(registration_id: int) -> None:
    """Let this browser session see the new space's number and PDF for a while."""
    revoke()
    receipt_id = secrets.token_urlsafe(32)
    value = json.dumps({"registration_id": registration_id, "granted": time.time()})
    redis_store.connection.set(RECEIPT_KEY.format(receipt_id), value, ex=_lifetime())
    session[SESSION_FIELD] = receipt_id


def granted_registration_id() -> int | None:
    """The registration this session's receipt shows; None once it has ended or expired."""
    receipt_id = session.get(SESSION_FIELD)
    if not isinstance(receipt_id, str):
        return None
    raw = redis_store.connection.get(RECEIPT_KEY.format(receipt_id))
    if raw is None:
        session.pop(SESSION_FIELD, None)
        return None
    receipt = json.loads(raw)
    # The key's TTL ends it too; the app's clock decides (and is what the tests move).
    if time.time() - receipt["granted"] > _lifetime():
        revoke()
        return None
    return receipt["registration_id"]


def revoke() -> None:
    """End this session's receipt, in the cookie and in Redis (login, logout, a new one)."""
    receipt_id = session.pop(SESSION_FIELD, None)
    if isinstance(receipt_id, str):
        redis_store.connection.delete(RECEIPT_KEY.format(receipt_id))
