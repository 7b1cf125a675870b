"""Scheduled maintenance: expire unactivated spaces, re-enqueue mails whose job vanished."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import or_, select

from web.core import metrics
from web.core.outbox import MAIL_JOB_TIMEOUT, enqueue_outbox
from web.core.secrets import codes
from web.core.subscribers import PENDING_STATES, PERSONAL_COLUMNS
from web.extensions import db, redis_store
from web.models import MailOutbox, Registration, RegistrationState, utcnow

log = logging.getLogger("espace_pro.worker")
# A row younger than this may simply be waiting for the web process to enqueue it.
RECONCILE_GRACE = timedelta(seconds=60)
LIVE_JOB_STATUSES = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.STARTED, JobStatus.DEFERRED}


def expire_registrations() -> int:
    """Mark spaces not activated within 48 h as expired and erase their personal data."""
    now = utcnow()
    ttl = timedelta(seconds=current_app.config["ACTIVATION_CODE_TTL_SECONDS"])
    overdue = db.session.scalars(
        select(Registration).where(
            Registration.state.in_(PENDING_STATES),
            or_(
                Registration.code_expires_at < now,
                Registration.code_expires_at.is_(None) & (Registration.created_at < now - ttl),
            ),
        )
    ).all()
    for registration in overdue:
        for column in PERSONAL_COLUMNS:
            setattr(registration, column, None)
        registration.state = RegistrationState.EXPIRED
        registration.expired_at = now
        codes.forget_code(redis_store.connection, registration.id)
    db.session.commit()
    if overdue:
        metrics.count("registrations_expired", amount=len(overdue))
        log.info(
            "expired %d unactivated registration(s); their addresses are free again", len(overdue)
        )
    return len(overdue)


def _job_is_alive(job_id: str | None) -> bool:
    if not job_id:
        return False
    try:
        job = Job.fetch(job_id, connection=redis_store.connection)
    except NoSuchJobError:
        return False
    status = job.get_status(refresh=False)
    if status == JobStatus.STARTED and job.started_at is not None:
        # A worker killed mid-job leaves it "started" forever: past twice its timeout, it is
        # dead. The job is idempotent, so a slow one that was still alive does no harm.
        started = job.started_at.replace(tzinfo=None)
        return utcnow() - started < timedelta(seconds=2 * (job.timeout or MAIL_JOB_TIMEOUT))
    return status in LIVE_JOB_STATUSES


def reconcile_outbox() -> int:
    """Re-enqueue owed mails whose job is gone (Redis flushed or restarted, worker killed)."""
    rows = db.session.scalars(
        select(MailOutbox).where(
            MailOutbox.sent_at.is_(None),
            MailOutbox.failed_at.is_(None),
            MailOutbox.created_at < utcnow() - RECONCILE_GRACE,
        )
    ).all()
    requeued = 0
    for row in rows:
        if not _job_is_alive(row.job_id) and enqueue_outbox(row):
            requeued += 1
    if requeued:
        log.info("reconcile: re-enqueued %d mail(s) whose job had vanished", requeued)
    return requeued
