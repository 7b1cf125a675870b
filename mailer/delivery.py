"""Sending an owed mail at most once: its outbox rows, the hand-off mark, failures, retries.

RQ delivers a job at least once. A mark in Redis, set when SMTP took the mail, makes a
retried job settle its rows without sending again.

Every mail job is registered through `mail_job` below, which turns whatever error stops it
into a recorded failure: transient ones (SMTP, Redis, the database) are retried on RQ's
schedule; any other (a mail that cannot be written) fails at once, never in a loop.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from datetime import datetime

from flask import current_app
from flask_mail import Message
from redis.client import Pipeline
from redis.exceptions import RedisError
from rq import get_current_job
from rq.timeouts import JobTimeoutException
from sqlalchemy import select, update
from sqlalchemy.exc import InterfaceError, OperationalError

from mailer import daily_cap
from mailer.smtp import MailDeliveryError, deliver
from web.core import metrics
from web.core import outbox as core_outbox
from web.core.outbox import RETRY_INTERVALS
from web.core.subscribers import PENDING_STATES
from web.domain.masking import mask_email
from web.extensions import db, redis_store
from web.models import MailKind, MailOutbox, Registration, RegistrationState, utcnow
from web.redis_client import wait_for_replica

log = logging.getLogger("espace_pro.worker")
HANDED_KEY = "mail:handed:{}"
HANDED_SECONDS = 7 * 24 * 3600
# How the worker's log lines name a mail (the kind's value otherwise).
LOG_NAMES = {
    MailKind.ACTIVATION_CODE: "activation code",
    MailKind.ALREADY_REGISTERED: "already-registered notice",
}
# Errors that pass with time: the job raises and RQ retries it (then the reconciler).
TRANSIENT_ERRORS = (RedisError, OperationalError, InterfaceError, JobTimeoutException)
MailJob = core_outbox.MailJob
# True while a job sends mails owed to other jobs (mailer/jobs.py, drain_owed_codes): a
# failure of theirs is not this job's, whose retries say nothing about them.
_DRAINING: ContextVar[bool] = ContextVar("mail_draining", default=False)


@contextlib.contextmanager
def draining() -> Iterator[None]:
    """Around the mails a job sends for other jobs (taken out of the queue)."""
    token = _DRAINING.set(True)
    try:
        yield
    finally:
        _DRAINING.reset(token)


def mail_job(kind: MailKind) -> Callable[[MailJob], MailJob]:
    """Register the job that sends the mails of this kind (web/core/outbox.py), guarded:
    a reservation in the daily cap not spent is given back, and an error that is neither
    an SMTP failure (recorded by hand_off) nor transient is recorded as a failure for good,
    without retry. The error is raised again, so RQ logs its traceback once."""

    def register(job: MailJob) -> MailJob:
        @functools.wraps(job)
        def guarded(registration_id: int) -> str:
            with daily_cap.given_back_unless_spent():
                try:
                    return job(registration_id)
                except (MailDeliveryError, *TRANSIENT_ERRORS):
                    raise
                except Exception as error:
                    _job_failed(registration_id, kind, error)
                    raise

        return core_outbox.mail_job(kind)(guarded)

    return register


def _job_failed(registration_id: int, kind: MailKind, error: Exception) -> None:
    """Record an unexpected error of a mail job on its owed rows, for good, unless SMTP
    took the mail already (then the error is in the bookkeeping: the retry settles it)."""
    db.session.rollback()
    registration = db.session.get(Registration, registration_id)
    rows = unsent(registration_id, kind)
    if registration is None or not rows or already_handed(rows):
        return
    # The error's type only: its text may quote the address or the mail.
    failure = MailDeliveryError(f"{type(error).__name__} while writing the mail", permanent=True)
    _delivery_failed(registration, rows, failure, kind)


def unsent(registration_id: int, kind: MailKind) -> list[MailOutbox]:
    """The registration's owed mails of this kind, neither sent nor given up, oldest first."""
    return list(
        db.session.scalars(
            select(MailOutbox)
            .where(
                MailOutbox.registration_id == registration_id,
                MailOutbox.kind == kind,
                MailOutbox.sent_at.is_(None),
                MailOutbox.failed_at.is_(None),
            )
            .order_by(MailOutbox.id)
        )
    )


def drop_obsolete(rows: list[MailOutbox]) -> None:
    """Close rows owed to a space that is gone or active, so nothing re-sends them.

    A retry whose mail SMTP took already (the worker died before its bookkeeping, and the
    person activated with the code meanwhile) records it as sent, not as obsolete.
    """
    if rows and already_handed(rows):
        mark_sent(rows, utcnow())
        db.session.commit()
        return
    for row in rows:
        row.failed_at = utcnow()
        row.last_error = "obsolete: the registration is no longer pending"
    db.session.commit()


def already_handed(rows: list[MailOutbox]) -> bool:
    """True when SMTP took this mail already (a retry whose bookkeeping did not commit)."""
    return bool(redis_store.connection.exists(HANDED_KEY.format(rows[-1].id)))


def hand_off(
    registration: Registration,
    rows: list[MailOutbox],
    kind: MailKind,
    message: Message,
    *,
    capped: bool,
    then: Callable[[Pipeline], None] | None = None,
) -> datetime:
    """Give the mail to SMTP and mark it handed; return when. On failure, record and raise.

    `capped`: a reservation was taken in the daily cap, spent once SMTP takes the mail
    (given back otherwise, by `mail_job`'s guard).
    `then` queues writes that go right after the hand-off, before the mark (the code's
    48 h start there), on the pipeline that writes the mark and the metrics: one round
    trip for all of them, in that order.
    """
    # What the mail promises (a code's hash, its link, an unlock token) must survive a
    # failover: with replicas, one must hold it before SMTP gets the mail, or the job is
    # retried later (NotReplicated is a transient Redis error).
    wait_for_replica(redis_store.connection, current_app.config["REDIS_REPLICA_WAIT_MS"])
    try:
        deliver(message)
    except MailDeliveryError as error:
        _delivery_failed(registration, rows, error, kind)
        raise
    if capped:
        daily_cap.spent(message.recipients[0])
    handed_at = utcnow()
    with redis_store.connection.pipeline(transaction=False) as pipe:
        if then is not None:
            then(pipe)
        pipe.set(HANDED_KEY.format(rows[-1].id), 1, ex=HANDED_SECONDS)
        needed = len(pipe)
        queue_handed_metrics(pipe, kind, rows)
        results = pipe.execute(raise_on_error=False)
    # A metric never fails the work it counts; the mark and what `then` wrote must hold.
    failed = next((result for result in results[:needed] if isinstance(result, Exception)), None)
    if failed is not None:
        raise failed
    if any(isinstance(result, Exception) for result in results[needed:]):
        log.warning("metrics of a %s not counted: Redis refused them", LOG_NAMES.get(kind, kind))
    log.info(
        "%s handed to SMTP for %s (registration %s)",
        LOG_NAMES.get(kind, kind),
        mask_email(registration.email),
        registration.id,
    )
    return handed_at


def mark_sent(rows: list[MailOutbox], sent_at: datetime) -> None:
    """Settle the rows (the caller commits): one UPDATE for them all, not the unit of
    work's flush of each object (the objects are not read again before the commit)."""
    outbox = MailOutbox.__table__  # Core: no ORM bulk-update machinery for one statement
    db.session.execute(
        update(outbox)
        .where(outbox.c.id.in_([row.id for row in rows]))
        .values(sent_at=sent_at, attempts=outbox.c.attempts + 1)
    )


def send_once(
    registration_id: int,
    kind: MailKind,
    build: Callable[[Registration, str], Message | None],
    *,
    wanted: Callable[[Registration], bool],
    capped: bool,
) -> str:
    """Send the owed mail of this kind once, while `wanted` holds for the registration
    (within the daily cap of the address when `capped`: mails anyone may ask for).

    `build` writes it for the registration and the recipient (the latest row's own
    recipient, or else the registration's address), or returns None when it is no longer
    wanted after all.
    """
    registration = db.session.get(Registration, registration_id)
    rows = unsent(registration_id, kind)
    if registration is None or not wanted(registration) or not rows:
        drop_obsolete(rows)
        return "skipped"
    if not already_handed(rows):
        recipient = rows[-1].recipient or registration.email
        message = build(registration, recipient)
        if message is None:
            drop_obsolete(rows)
            return "skipped"
        if capped and not daily_cap.reserve(recipient):
            return daily_cap.refuse(rows, recipient)
        hand_off(registration, rows, kind, message, capped=capped)
    mark_sent(rows, utcnow())
    db.session.commit()
    return "sent"


def queue_handed_metrics(pipe: Pipeline, kind: MailKind, rows: list[MailOutbox]) -> None:
    """Count a mail handed to SMTP, and how long it waited since it was owed (queued on
    the pipeline that marks it handed)."""
    metrics.queue_count(pipe, "mails_sent", kind)
    waited = (utcnow() - min(row.created_at for row in rows)).total_seconds()
    metrics.queue_mail_handoff(pipe, waited)


def _delivery_failed(
    registration: Registration, rows: list[MailOutbox], error: Exception, kind: MailKind
) -> None:
    """Log the failure; after the last retry, or at once when it is permanent, mark the mail
    (and a pending space) failed. A mail sent for another job (`draining`) that fails for
    a transient reason is counted, and left to its own job, enqueued again by the caller."""
    if _DRAINING.get() and not getattr(error, "permanent", False):
        for row in rows:
            row.attempts += 1
            row.last_error = str(error)
        metrics.count("mails_failed", kind)
        log.warning(
            "%s to %s failed (%s); its own job tries again",
            kind,
            mask_email(registration.email),
            error,
        )
        db.session.commit()
        return
    job = None if _DRAINING.get() else get_current_job()
    if job is not None and getattr(error, "permanent", False):
        job.retries_left = 0  # RQ: a mail that can never go as written is not retried
    retries_left = job.retries_left if job is not None else 0
    for row in rows:
        row.attempts += 1
        row.last_error = str(error)
    metrics.count("mails_failed", kind)
    address = mask_email(registration.email)
    if retries_left:
        attempt = len(RETRY_INTERVALS) - retries_left
        log.warning(
            "%s to %s failed (%s); retry %d/%d in %ds",
            kind,
            address,
            error,
            attempt + 1,
            len(RETRY_INTERVALS),
            RETRY_INTERVALS[attempt],
        )
    else:
        now = utcnow()
        for row in rows:
            row.failed_at = now
        if kind == MailKind.ACTIVATION_CODE:
            # Conditional: the object may have been read a batch ago, and an active space
            # stays active.
            table = Registration.__table__
            db.session.execute(
                update(table)
                .where(table.c.id == registration.id, table.c.state.in_(PENDING_STATES))
                .values(state=RegistrationState.MAIL_FAILED)
            )
        log.error(
            "%s to %s failed for good (%s): registration %s needs a resend",
            kind,
            address,
            error,
            registration.id,
        )
    db.session.commit()
