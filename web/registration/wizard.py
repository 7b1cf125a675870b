"""The sign-up draft: server-side in Redis, behind a random id in the signed session."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

from flask import current_app, session
from flask_limiter.util import get_remote_address

from web.extensions import redis_store

DRAFT_KEY = "wizard:draft:{}"
RECEIPT_KEY = "wizard:receipt:{}"
STEPS = (1, 2, 3, 4)


@dataclass
class Draft:
    """What the person has entered so far; secrets are already argon2id hashes."""

    token: str
    terms_version: str | None = None
    terms_accepted_at: str | None = None
    email: str | None = None
    password_hash: str | None = None
    profile: dict[str, Any] = field(default_factory=dict)

    def first_missing_step(self) -> int:
        """The first step not yet completed; 4 (confirmation) when all are."""
        if not self.terms_accepted_at:
            return 1
        if not (self.email and self.password_hash):
            return 2
        if not self.profile.get("trust_answer_hash"):
            return 3
        return 4


def _idle_seconds() -> int:
    return current_app.config["DRAFT_IDLE_SECONDS"]


def load_draft() -> Draft | None:
    """Return the session's draft, renewing its idle expiry; None when absent or expired."""
    token = session.get("draft")
    if not token:
        return None
    raw = redis_store.connection.getex(DRAFT_KEY.format(token), ex=_idle_seconds())
    if raw is None:
        return None
    return Draft(token=token, **json.loads(raw))


def has_draft_token() -> bool:
    """True when the session points at a draft (which Redis may have let expire)."""
    return bool(session.get("draft"))


def start_draft() -> Draft:
    """Begin a new draft for this browser session."""
    draft = Draft(token=secrets.token_urlsafe(24))
    # Saved first: if Redis fails, the session must not point at a draft that was never
    # stored (the next page would call it expired).
    save_draft(draft)
    session["draft"] = draft.token
    return draft


def save_draft(draft: Draft) -> None:
    """Write the draft back with a fresh idle expiry."""
    data = asdict(draft)
    data.pop("token")
    redis_store.connection.set(DRAFT_KEY.format(draft.token), json.dumps(data), ex=_idle_seconds())


def discard_draft(draft: Draft) -> None:
    """Forget the draft once it has become a registration."""
    redis_store.connection.delete(DRAFT_KEY.format(draft.token))
    session.pop("draft", None)


def save_receipt(email: str, registration_id: int, deadline_iso: str) -> None:
    """Remember, for the waiting page, where the code goes and by when to use it."""
    token = secrets.token_urlsafe(24)
    receipt = {"email": email, "registration_id": registration_id, "deadline": deadline_iso}
    # As long as the code it announces (its window opens at the hand-off, a little later).
    lifetime = current_app.config["ACTIVATION_CODE_TTL_SECONDS"] + 3600
    redis_store.connection.set(RECEIPT_KEY.format(token), json.dumps(receipt), ex=lifetime)
    session["receipt"] = token


def receipt_subject() -> str:
    """What the waiting page's own resend limits count against: this receipt (hashed)."""
    token = session.get("receipt") or ""
    return "receipt-" + hashlib.sha256(token.encode()).hexdigest()[:32]


def load_receipt() -> dict[str, Any] | None:
    """The waiting page's receipt for this session, if any."""
    token = session.get("receipt")
    if not token:
        return None
    raw = redis_store.connection.get(RECEIPT_KEY.format(token))
    return json.loads(raw) if raw else None


def by_registration() -> str:
    """The registration of this browser's waiting page (its receipt), else the IP."""
    receipt = load_receipt()
    if receipt is None:
        return f"no-registration:{get_remote_address()}"
    return f"registration:{receipt['registration_id']}"
