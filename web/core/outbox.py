"""The mail outbox: a mail is owed in the same transaction as the change that owes it,
and its job is enqueued only after the commit.

The worker's jobs register themselves here by mail kind (`@mail_job` in mailer/), so the
web process refers to them by function without importing the mailer.
"""

from __future__ import annotations

from collections.abc import Callable

import redis
from flask import current_app
from rq import Queue, Retry
from rq.job import Job
from sqlalchemy import update

from web.core.request_log import current_request_id
from web.extensions import db, redis_store
from web.models import MailKind, MailOutbox, Registration, utcnow

MAIL_QUEUE = "mail"
# SMTP failures: retried after 30 s, 2 min, 10 min, 30 min, then 1 h.
RETRY_INTERVALS = [30, 120, 600, 1800, 3600]
MAIL_JOB_TIMEOUT = 60
OUTBOX_JOB_PREFIX = "outbox-"
MailJob = Callable[[int], str]
_JOBS: dict[MailKind, MailJob] = {}


def mail_job(kind: MailKind) -> Callable[[MailJob], MailJob]:
    """Register the worker's job that sends the mails of this kind."""

    def register(job: MailJob) -> MailJob:
        _JOBS[kind] = job
        return job

    return register


def job_for(kind: MailKind | str) -> MailJob:
    """The job that sends a kind of mail (registered when `mailer` is imported)."""
    try:
        return _JOBS[MailKind(kind)]
    except KeyError:
        raise LookupError(f"no mail job for {kind!r}: import mailer first") from None


def mail_queue() -> Queue:
    """The RQ queue the worker sends mails from."""
    return Queue(MAIL_QUEUE, connection=redis_store.connection)


def owe_mail(
    registration: Registration, kind: MailKind, recipient: str | None = None
) -> MailOutbox:
    """Add a mail owed to the registration to the current transaction (the caller commits).

    It goes to the registration's address, or to `recipient` when given (an address change).
    """
    outbox = MailOutbox(registration=registration, kind=kind, recipient=recipient)
    db.session.add(outbox)
    return outbox


def send_mail(registration: Registration, kind: MailKind, recipient: str | None = None) -> bool:
    """Owe the registration a mail of this kind, commit, then enqueue its job."""
    outbox = owe_mail(registration, kind, recipient)
    db.session.commit()
    return enqueue_outbox(outbox)


def outbox_job_id(outbox_id: int) -> str:
    """The job id of an outbox row's mail: deterministic, so a row has one job at most."""
    return f"{OUTBOX_JOB_PREFIX}{outbox_id}"


def enqueue_owed_mail(outbox_id: int, registration_id: int, kind: MailKind | str) -> bool:
    """Enqueue the job of a committed outbox row, from its ids (no ORM attribute read).

    Returns False when Redis cannot take it; the caller decides what the row records.
    """
    try:
        mail_queue().enqueue(
            job_for(kind),
            registration_id,
            job_id=outbox_job_id(outbox_id),
            retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
            failure_ttl=7 * 24 * 3600,
            job_timeout=MAIL_JOB_TIMEOUT,
            # The request's id follows the job into the worker's log lines (not an argument).
            meta={"request_id": current_request_id()},
        )
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
        current_app.logger.warning("outbox %s not enqueued: Redis unavailable", outbox_id)
        return False
    return True


def job_exists(outbox_id: int) -> bool:
    """Whether Redis holds the job of an outbox row: queued, running, kept after it ran, or
    taken out of the queue by a job that sends it with its own (mailer/jobs.py)."""
    return bool(redis_store.connection.exists(Job.key_for(outbox_job_id(outbox_id))))


def forget_enqueue(outbox_id: int) -> None:
    """Record that Redis refused the job written as enqueued before the commit: the row
    reads as never enqueued again (ops report); the reconciler enqueues it later."""
    db.session.execute(
        update(MailOutbox).where(MailOutbox.id == outbox_id).values(job_id=None, enqueued_at=None)
    )
    db.session.commit()


def enqueue_outbox(outbox: MailOutbox) -> bool:
    """Enqueue the job for a committed outbox row, with only the registration id as argument,
    then record the job on the row (a second commit).

    Returns False when Redis cannot take it: the row stays in the outbox and the
    scheduled reconciler enqueues it later, so the registration is never lost.
    """
    outbox_id = outbox.id
    if not enqueue_owed_mail(outbox_id, outbox.registration_id, outbox.kind):
        return False
    outbox.job_id = outbox_job_id(outbox_id)
    outbox.enqueued_at = utcnow()
    db.session.commit()
    return True
