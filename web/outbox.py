"""Handing committed outbox rows to the RQ mail queue."""

from __future__ import annotations

import redis
from flask import current_app
from rq import Queue, Retry

from web.extensions import db, redis_store
from web.models import MailKind, MailOutbox, utcnow
from web.ops.request_log import current_request_id

MAIL_QUEUE = "mail"
JOB_FUNCTIONS = {
    MailKind.ACTIVATION_CODE: "mailer.jobs.send_activation_code",
    MailKind.ALREADY_REGISTERED: "mailer.jobs.send_already_registered",
    MailKind.PASSWORD_CHANGED: "mailer.notices.send_password_changed",
    MailKind.RESET_LINK: "mailer.notices.send_reset_link",
    MailKind.PASSWORD_RESET: "mailer.notices.send_password_reset",
    MailKind.SUBSCRIBER_NUMBER: "mailer.notices.send_subscriber_number",
}
# SMTP failures: retried after 30 s, 2 min, 10 min, 30 min, then 1 h.
RETRY_INTERVALS = [30, 120, 600, 1800, 3600]
MAIL_JOB_TIMEOUT = 60


def mail_queue() -> Queue:
    """The RQ queue the worker sends mails from."""
    return Queue(MAIL_QUEUE, connection=redis_store.connection)


def enqueue_outbox(outbox: MailOutbox) -> bool:
    """Enqueue the job for a committed outbox row, with only the registration id as argument.

    Returns False when Redis cannot take it: the row stays in the outbox and the
    scheduled reconciler enqueues it later, so the registration is never lost.
    """
    try:
        job = mail_queue().enqueue(
            JOB_FUNCTIONS[MailKind(outbox.kind)],
            outbox.registration_id,
            job_id=f"outbox-{outbox.id}",
            retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
            failure_ttl=7 * 24 * 3600,
            job_timeout=MAIL_JOB_TIMEOUT,
            # The request's id follows the job into the worker's log lines (not an argument).
            meta={"request_id": current_request_id()},
        )
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
        current_app.logger.warning("outbox %s not enqueued: Redis unavailable", outbox.id)
        return False
    outbox.job_id = job.id
    outbox.enqueued_at = utcnow()
    db.session.commit()
    return True
