"""The RQ side of the console: queue depths, scheduled and failed jobs, requeueing."""

from __future__ import annotations

from rq import Queue, Worker
from rq.job import Job
from sqlalchemy import select

from web.core.outbox import MAIL_QUEUE, OUTBOX_JOB_PREFIX, RETRY_INTERVALS
from web.extensions import db, redis_store
from web.models import MailKind, MailOutbox, RegistrationState
from web.ops.output import masked_text, timestamp

MAINTENANCE_QUEUE = "maintenance"  # worker.py's; worker.py is a script, not importable here
QUEUES = (MAIL_QUEUE, MAINTENANCE_QUEUE)
LISTED_JOBS = 20


def queues() -> list[Queue]:
    """The queues the worker works."""
    return [Queue(name, connection=redis_store.connection) for name in QUEUES]


def queue_depths() -> dict[str, dict[str, int]]:
    """Per queue: jobs waiting, scheduled (retries), running, failed for good, deferred."""
    return {
        queue.name: {
            "queued": queue.count,
            "scheduled": queue.scheduled_job_registry.count,
            "started": queue.started_job_registry.count,
            "failed": queue.failed_job_registry.count,
            "deferred": queue.deferred_job_registry.count,
        }
        for queue in queues()
    }


def worker_count() -> int:
    """RQ workers registered on this Redis (0: nobody sends the mails)."""
    return Worker.count(connection=redis_store.connection)


def _jobs(ids: list[str]) -> list[Job]:
    return [job for job in Job.fetch_many(ids, connection=redis_store.connection) if job]


def scheduled_jobs() -> list[dict]:
    """Jobs waiting for their time (mail retries), soonest first."""
    found = []
    for queue in queues():
        registry = queue.scheduled_job_registry
        for job in _jobs(registry.get_job_ids(0, LISTED_JOBS - 1)):
            found.append(
                {
                    "id": job.id,
                    "queue": queue.name,
                    "function": job.func_name,
                    "at": timestamp(registry.get_scheduled_time(job.id)),
                    "retries_left": job.retries_left,
                }
            )
    return sorted(found, key=lambda job: job["at"] or "")[:LISTED_JOBS]


def failure_of(job: Job) -> str | None:
    """The last line of the job's last exception (addresses masked)."""
    result = job.latest_result()
    text = result.exc_string if result is not None else None
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return masked_text(lines[-1].strip()) if lines else None


def failed_jobs() -> list[dict]:
    """Jobs that failed for good (retries exhausted), latest first."""
    found = []
    for queue in queues():
        for job in _jobs(queue.failed_job_registry.get_job_ids(0, LISTED_JOBS - 1, desc=True)):
            found.append(
                {
                    "id": job.id,
                    "queue": queue.name,
                    "function": job.func_name,
                    "ended_at": timestamp(job.ended_at),
                    "error": failure_of(job),
                }
            )
    return sorted(found, key=lambda job: job["ended_at"] or "", reverse=True)[:LISTED_JOBS]


def _reopen_outbox_row(job: Job) -> tuple[int | None, str | None]:
    """Make a failed mail owed again, so the requeued job sends it; or why it must not."""
    if not job.id.startswith(OUTBOX_JOB_PREFIX):
        return None, None
    row = db.session.get(MailOutbox, int(job.id.removeprefix(OUTBOX_JOB_PREFIX)))
    if row is None:
        return None, "its outbox row is gone"
    if row.sent_at is not None:
        return row.id, "its mail was sent since"
    registration = row.registration
    if registration.state == RegistrationState.EXPIRED or (
        row.kind == MailKind.ACTIVATION_CODE and registration.state == RegistrationState.ACTIVE
    ):
        return row.id, f"registration {registration.id} is {registration.state}"
    newer = db.session.scalar(
        select(MailOutbox.id).where(
            MailOutbox.registration_id == row.registration_id,
            MailOutbox.kind == row.kind,
            MailOutbox.id > row.id,
        )
    )
    if newer is not None:
        # Sending this one again would replace the code of the newer mail.
        return row.id, f"superseded by outbox row {newer}"
    row.failed_at = None
    return row.id, None


def requeue_failed() -> dict:
    """Put every failed job back on its queue, its retries renewed; mails owed again."""
    requeued, skipped = [], []
    for queue in queues():
        registry = queue.failed_job_registry
        for job in _jobs(registry.get_job_ids()):
            outbox_id, refusal = _reopen_outbox_row(job)
            entry = {
                "id": job.id,
                "queue": queue.name,
                "function": job.func_name,
                "outbox_id": outbox_id,
            }
            if refusal:
                skipped.append({**entry, "reason": refusal})
                continue
            if queue.name == MAIL_QUEUE:
                job.retries_left = len(RETRY_INTERVALS)
            db.session.commit()  # the row is owed again before its job can run
            registry.requeue(job)
            requeued.append(entry)
    return {"requeued": requeued, "skipped": skipped}
