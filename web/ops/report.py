"""What the console reports from the database: states, one address's story, daily figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import func, not_, select

from web.core.secrets import codes
from web.core.version import app_version
from web.domain.clock import PARIS
from web.domain.masking import mask_email
from web.extensions import db, redis_store
from web.models import AuditEvent, MailOutbox, Registration, RegistrationState, utcnow
from web.ops import queues
from web.ops.output import masked_text, timestamp, without_password

# Days as the rest of the app counts them (subscriber numbers, the daily mail cap).
STAT_COLUMNS = ("sign_ups", "activations", "expiries", "mails_sent", "mail_failures")
# Outbox rows closed unsent on purpose, not because delivery failed.
NOT_FAILURES = ("obsolete%", "daily cap%")


def _owed():
    return select(MailOutbox).where(MailOutbox.sent_at.is_(None), MailOutbox.failed_at.is_(None))


def job_status(job_id: str | None) -> str | None:
    """The RQ status of an outbox row's job; `vanished` when Redis no longer has it."""
    if not job_id:
        return None
    try:
        status = Job.fetch(job_id, connection=redis_store.connection).get_status()
    except NoSuchJobError:
        return "vanished"
    return status.value if status else None


def oldest_owed_mail() -> dict | None:
    """The owed mail waiting longest: its row, its job's status, its last error."""
    oldest = db.session.scalars(
        _owed().order_by(MailOutbox.created_at, MailOutbox.id).limit(1)
    ).first()
    if oldest is None:
        return None
    return {
        "outbox_id": oldest.id,
        "registration_id": oldest.registration_id,
        "address": mask_email(oldest.registration.email),
        "kind": oldest.kind,
        "created_at": timestamp(oldest.created_at),
        "age_seconds": int((utcnow() - oldest.created_at).total_seconds()),
        "attempts": oldest.attempts,
        "job_id": oldest.job_id,
        "job_status": job_status(oldest.job_id),
        "last_error": masked_text(oldest.last_error),
    }


def status() -> dict:
    """Registrations by state, queue depths, scheduled and failed jobs, the oldest owed mail."""
    counts = dict(
        db.session.execute(
            select(Registration.state, func.count()).group_by(Registration.state)
        ).all()
    )
    return {
        "version": app_version(),
        "redis": without_password(current_app.config["REDIS_URL"]),
        "database": without_password(current_app.config["SQLALCHEMY_DATABASE_URI"]),
        "registrations": {state.value: counts.get(state.value, 0) for state in RegistrationState},
        "queues": queues.queue_depths(),
        "workers": queues.worker_count(),
        "scheduled_jobs": queues.scheduled_jobs(),
        "failed_jobs": queues.failed_jobs(),
        "owed_mails": db.session.scalar(select(func.count()).select_from(_owed().subquery())),
        "oldest_pending_mail": oldest_owed_mail(),
    }


def registration_story(registration: Registration, show_address: bool) -> dict:
    """A registration's state, dates, owed and sent mails and history."""
    shown = (lambda text: text) if show_address else masked_text
    code_ttl = redis_store.connection.ttl(codes.CODE_KEY.format(registration.id))
    outbox = db.session.scalars(
        select(MailOutbox)
        .where(MailOutbox.registration_id == registration.id)
        .order_by(MailOutbox.id)
    )
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.registration_id == registration.id)
        .order_by(AuditEvent.id)
    )
    return {
        "address": registration.email if show_address else mask_email(registration.email),
        "registration_id": registration.id,
        "state": registration.state,
        "subscriber_number": registration.subscriber_number,
        "created_at": timestamp(registration.created_at),
        "code_sent_at": timestamp(registration.code_sent_at),
        "code_expires_at": timestamp(registration.code_expires_at),
        "activated_at": timestamp(registration.activated_at),
        "expired_at": timestamp(registration.expired_at),
        "code_in_redis_seconds": code_ttl if code_ttl > 0 else None,
        "outbox": [
            {
                "id": row.id,
                "kind": row.kind,
                "created_at": timestamp(row.created_at),
                "attempts": row.attempts,
                "sent_at": timestamp(row.sent_at),
                "failed_at": timestamp(row.failed_at),
                "last_error": shown(row.last_error),
                "job_id": row.job_id,
                "job_status": job_status(row.job_id),
            }
            for row in outbox
        ],
        "history": [
            {
                "at": timestamp(event.created_at),
                "kind": event.kind,
                "detail": shown(event.detail),
                "ip": event.ip,
            }
            for event in events
        ],
    }


def _times(column, since: datetime, until: datetime, *conditions) -> list[datetime]:
    return list(
        db.session.scalars(select(column).where(column >= since, column <= until, *conditions))
    )


def stats(window: timedelta) -> dict:
    """Sign-ups, activations, expiries, mails sent and mail failures per day (Europe/Paris)."""
    until = utcnow()
    since = until - window
    failed = [not_(func.coalesce(MailOutbox.last_error, "").like(p)) for p in NOT_FAILURES]
    events = {
        "sign_ups": _times(Registration.created_at, since, until),
        "activations": _times(Registration.activated_at, since, until),
        "expiries": _times(Registration.expired_at, since, until),
        "mails_sent": _times(MailOutbox.sent_at, since, until),
        "mail_failures": _times(MailOutbox.failed_at, since, until, *failed),
    }
    first, last = _paris_day(since), _paris_day(until)
    days = {
        first + timedelta(days=n): dict.fromkeys(STAT_COLUMNS, 0)
        for n in range((last - first).days + 1)
    }
    for column, times in events.items():
        for moment in times:
            days[_paris_day(moment)][column] += 1
    return {
        "since": timestamp(since),
        "until": timestamp(until),
        "timezone": "Europe/Paris",
        "days": [{"day": day.isoformat(), **figures} for day, figures in days.items()],
        "totals": {column: len(times) for column, times in events.items()},
    }


def _paris_day(moment: datetime):
    return moment.replace(tzinfo=UTC).astimezone(PARIS).date()
