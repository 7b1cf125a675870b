"""Activating a space and issuing its subscriber number."""

from __future__ import annotations

import enum

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from web.core import audit, metrics
from web.core.secrets import codes
from web.core.subscribers import PENDING_STATES, live_registration
from web.domain.subscriber_number import subscriber_number
from web.extensions import db, redis_store
from web.models import Registration, RegistrationState, SubscriberCounter, utcnow


class ActivationResult(enum.Enum):
    """The outcome the activation page shows."""

    ACTIVATED = "activated"
    REFUSED = "refused"  # wrong code, unknown address, expired or burned code: one message
    BUSY = "busy"  # the same code is being used right now


def activate(email: str, typed_code: str) -> tuple[ActivationResult, Registration | None]:
    """Check address + code and, when right, make the space active with a new number."""
    registration = live_registration(email)
    secret_key = current_app.config["SECRET_KEY"]
    registration_id = registration.id if registration else 0
    # Hash even for an unknown address, so both paths cost the same.
    digest = codes.code_digest(secret_key, registration_id, typed_code)
    if registration is None or registration.state not in PENDING_STATES:
        return ActivationResult.REFUSED, None
    if registration.code_expires_at is not None and registration.code_expires_at <= utcnow():
        # The deadline stated in the mail holds even if the Redis key outlives it (its TTL
        # follows Redis' clock, and keeps an hour of slack until the hand-off is recorded).
        return ActivationResult.REFUSED, None
    connection = redis_store.connection
    check = codes.check_code(connection, registration.id, digest)
    if check is codes.CodeCheck.BUSY:
        return ActivationResult.BUSY, None
    if check is not codes.CodeCheck.RIGHT:
        return ActivationResult.REFUSED, None
    try:
        _issue_subscriber_number(registration)
    except Exception:
        # Nothing committed: the code goes back, still valid for what was left of its 48 h.
        db.session.rollback()
        codes.restore_claim(connection, registration.id)
        raise
    codes.settle_claim(connection, registration.id)
    return ActivationResult.ACTIVATED, registration


def _issue_subscriber_number(registration: Registration) -> None:
    """Allocate the counter and switch the registration to active, in one transaction."""
    now = utcnow()
    counter = SubscriberCounter(registration_id=registration.id, issued_at=now)
    db.session.add(counter)
    db.session.flush()
    changed = db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.state.in_(PENDING_STATES))
        .values(
            state=RegistrationState.ACTIVE,
            activated_at=now,
            subscriber_number=subscriber_number(now, counter.id),
        )
    ).rowcount
    if changed != 1:
        raise IntegrityError("activation", None, Exception("registration no longer pending"))
    audit.record(registration.id, "activated")
    db.session.commit()
    metrics.count("activations")
    db.session.refresh(registration)
