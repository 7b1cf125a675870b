"""Activating a space and issuing its subscriber number."""

from __future__ import annotations

import enum
from datetime import datetime

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from web.core import audit, metrics
from web.core.deferred import defer, deferred
from web.core.outbox import send_mail
from web.core.secrets import codes
from web.core.secrets.fingerprint import address_fingerprint
from web.core.subscribers import PENDING_STATES, live_registration, registration_by_id
from web.domain.subscriber_number import subscriber_number
from web.extensions import db, redis_store
from web.models import MailKind, Registration, RegistrationState, SubscriberCounter, utcnow
from web.redis_client import NotReplicated, wait_for_replica


class ActivationResult(enum.Enum):
    """The outcome the activation page shows."""

    ACTIVATED = "activated"
    REFUSED = "refused"  # wrong code, unknown address, expired or burned code: one message
    BURNED = "burned"  # a fifth wrong try: the code is disabled, a new one is on its way
    BUSY = "busy"  # the same code is being used right now


def activate(email: str, typed_code: str) -> tuple[ActivationResult, int | None]:
    """Check address + code and, when right, make the space active with a new number.

    Returns the outcome, and the id of the space it activated.
    """
    registration = live_registration(email)
    secret_key = current_app.config["SECRET_KEY"]
    registration_id = registration.id if registration else 0
    # Hash even for an unknown address, so both paths cost the same.
    digest = codes.code_digest(secret_key, registration_id, typed_code)
    connection = redis_store.connection
    if registration is None or registration.state not in PENDING_STATES:
        return _no_code_to_check(email), None
    if registration.code_expires_at is not None and registration.code_expires_at <= utcnow():
        # The deadline stated in the mail holds even if the Redis key outlives it (its TTL
        # follows Redis' clock, and keeps an hour of slack until the hand-off is recorded).
        return _no_code_to_check(email), None
    check = codes.check_code(connection, registration.id, digest)
    if check is codes.CodeCheck.BUSY:
        return ActivationResult.BUSY, None
    if check is codes.CodeCheck.BURNED:
        _renew_burned_code(registration)
        return ActivationResult.BURNED, None
    if check is codes.CodeCheck.MISSING:
        return _no_code_to_check(email), None
    if check is not codes.CodeCheck.RIGHT:
        return ActivationResult.REFUSED, None
    try:
        # The claim must survive a failover before the number is issued; else the 503 page,
        # and the code is released, usable again at once.
        wait_for_replica(connection, current_app.config["REDIS_REPLICA_WAIT_MS"])
    except NotReplicated:
        codes.restore_claim(connection, registration_id)
        raise
    try:
        _issue_subscriber_number(registration)
    except Exception:
        # Nothing committed: the code goes back, still valid for what was left of its 48 h.
        db.session.rollback()
        codes.restore_claim(connection, registration_id)
        raise
    codes.settle_claim(connection, registration_id)
    return ActivationResult.ACTIVATED, registration_id


def _no_code_to_check(email: str) -> ActivationResult:
    """A wrong try with no code behind it counts as one against a code would: the fifth
    is answered as a burn, so a burn tells nobody that the address is waiting."""
    if codes.count_decoy(redis_store.connection, address_fingerprint(email)):
        # The same work as a real burn (one sealed job): the worker finds no code to renew.
        defer("code_burned", registration_id=0)
        return ActivationResult.BURNED
    return ActivationResult.REFUSED


def _renew_burned_code(registration: Registration) -> None:
    """Wrong tries burned the code: mail the owner a new one at once, saying why.

    Not held back by RESEND_MIN_SECONDS nor counted in RESEND_MAX_PER_DAY (a stranger may
    have burned it); the worker's daily mail cap still bounds it, and so the guessing: at
    most five tries per code.
    """
    connection = redis_store.connection
    codes.mark_burned(
        connection, registration.id, current_app.config["ACTIVATION_CODE_TTL_SECONDS"]
    )
    # The mail is owed by the worker, as for an address without a code: no database write
    # in this request tells a real burn from a decoy one by its time.
    defer("code_burned", registration_id=registration.id)


@deferred("code_burned")
def mail_renewed_code(registration_id: int, ip: str | None, at: datetime) -> None:
    """In the worker: the new code, if the registration is still pending with a burned code."""
    registration = registration_by_id(registration_id) if registration_id else None
    if (
        registration is not None
        and registration.state in PENDING_STATES
        and codes.was_burned(redis_store.connection, registration.id)
    ):
        send_mail(registration, MailKind.ACTIVATION_CODE)


def _issue_subscriber_number(registration: Registration) -> None:
    """Allocate the counter and switch the registration to active, in one transaction.

    The registration is left expired by the commit: nothing reads it again in this request.
    """
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
