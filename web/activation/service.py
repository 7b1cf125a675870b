"""Activating a space, issuing its subscriber number, and sending new codes."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from web import audit
from web.activation import codes
from web.domain.subscriber_number import subscriber_number
from web.extensions import db, redis_store
from web.models import (
    MailKind,
    MailOutbox,
    Registration,
    RegistrationState,
    SubscriberCounter,
    utcnow,
)
from web.ops import metrics
from web.outbox import enqueue_outbox
from web.registration.service import live_registration

PENDING_STATES = (
    RegistrationState.PENDING,
    RegistrationState.CODE_SENT,
    RegistrationState.MAIL_FAILED,
)
RESEND_RECENT_KEY = "resend:recent:{}"
RESEND_DAY_KEY = "resend:day:{}"


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


class ResendResult(enum.Enum):
    """What asking for a new code did."""

    SENT = "sent"
    TOO_SOON = "too_soon"
    TOO_MANY = "too_many"


@dataclass(frozen=True)
class Resend:
    """A resend outcome and, when refused for now, how long to wait."""

    result: ResendResult
    retry_after: int = 0


def request_new_code(registration: Registration) -> Resend:
    """Owe a new mail to a registration: a code if pending, a notice if already active.

    At most one per RESEND_MIN_SECONDS and RESEND_MAX_PER_DAY per registration.
    """
    config = current_app.config
    connection = redis_store.connection
    day_key = RESEND_DAY_KEY.format(registration.id)
    sent_today = int(connection.get(day_key) or 0)
    if sent_today >= config["RESEND_MAX_PER_DAY"]:
        return Resend(ResendResult.TOO_MANY, max(connection.ttl(day_key), 0))
    recent_key = RESEND_RECENT_KEY.format(registration.id)
    if not connection.set(recent_key, 1, nx=True, ex=config["RESEND_MIN_SECONDS"]):
        return Resend(ResendResult.TOO_SOON, max(connection.ttl(recent_key), 1))
    with connection.pipeline() as pipe:
        pipe.set(day_key, 0, nx=True, ex=24 * 3600)  # the day starts at the first resend
        pipe.incr(day_key)
        pipe.execute()
    kind = (
        MailKind.ACTIVATION_CODE
        if registration.state in PENDING_STATES
        else MailKind.ALREADY_REGISTERED
    )
    outbox = MailOutbox(registration_id=registration.id, kind=kind)
    db.session.add(outbox)
    db.session.commit()
    enqueue_outbox(outbox)
    return Resend(ResendResult.SENT)


def registration_by_id(registration_id: int) -> Registration | None:
    """A registration that still exists and has not expired."""
    return db.session.scalar(
        select(Registration).where(
            Registration.id == registration_id, Registration.state != RegistrationState.EXPIRED
        )
    )
