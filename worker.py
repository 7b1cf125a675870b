"""The background worker: RQ on the mail and maintenance queues, with its scheduler.

Run as `python worker.py`, configured from the same environment as the web app.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import time
from datetime import datetime

from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.cron import CronJob, CronScheduler
from rq.job import Job, JobStatus
from rq.utils import now
from sqlalchemy import event

from mailer.maintenance import expire_registrations, reconcile_outbox
from mailer.smtp import MailDeliveryError
from web import create_app
from web.core.logs import CURRENT_JOB, configure_logging
from web.core.outbox import MAIL_QUEUE
from web.embedded_redis import PR_SET_PDEATHSIG, die_with_parent
from web.extensions import db, redis_store
from web.redis_client import RedisOptions, connect
from web.settings import Settings, load_or_exit

MAINTENANCE_QUEUE = "maintenance"
EXPIRE_EVERY_SECONDS = 15 * 60
RECONCILE_EVERY_SECONDS = 5 * 60
# Who enqueued a maintenance job's run for a tick (tick = Unix time // the job's interval).
CRON_CLAIM_KEY = "espace-pro:cron:{name}:{tick}"
log = logging.getLogger("espace_pro.worker")


class SessionPerJobWorker(SimpleWorker):
    """SimpleWorker that gives every job a fresh DB session, as Flask gives every request,
    and writes one outcome line per job."""

    def execute_job(self, job: Job, queue: Queue) -> None:
        context = CURRENT_JOB.set((job.id, (job.meta or {}).get("request_id") or "-"))
        started = time.monotonic()
        try:
            return super().execute_job(job, queue)
        finally:
            # One app context serves every job: without this, a job that failed mid-flush
            # leaves the next ones a session that must be rolled back (PendingRollbackError
            # until a restart), and rows read by one job reach the next one stale.
            db.session.remove()
            log.info(
                "%s: %s in %d ms",
                job.func_name.rsplit(".", 1)[-1],
                job_outcome(job),
                (time.monotonic() - started) * 1000,
            )
            CURRENT_JOB.reset(context)

    def handle_exception(self, job: Job, *exc_info) -> None:
        """An SMTP failure was already logged by the job, in one line: no traceback."""
        if isinstance(exc_info[1], MailDeliveryError) and not self._exc_handlers:
            return
        super().handle_exception(job, *exc_info)


def job_outcome(job: Job) -> str:
    """What became of a job just run: its result, or a failure and whether it is retried."""
    status = job.get_status(refresh=False)
    if status == JobStatus.FINISHED:
        try:
            result = job.return_value()
        except RedisError:  # the line is worth less than the worker: say "done"
            result = None
        return str(result) if isinstance(result, (str, int)) else "done"
    if status in (JobStatus.SCHEDULED, JobStatus.QUEUED):
        return "failed (retry scheduled)"
    return "failed for good" if status == JobStatus.FAILED else str(status)


def die_with_the_worker() -> None:
    """Make every process the worker forks die with it, SIGKILL included (issue 13).

    RQ forks its scheduler (rq/scheduler.py, RQScheduler.start) with no such care: killed
    hard, the worker left it running and holding `rq:scheduler-lock:*`, and with it the
    multiprocessing resource tracker, which ends only when every holder of its pipe has
    gone. Hooked at the fork rather than in RQ's code: the child asks the kernel for
    SIGTERM when its parent dies (the scheduler then stops and releases its locks). The
    cron child (spawned, not forked) asks in run_cron.
    """
    try:
        # Bound here, once: the child of a threaded process should not dlopen.
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux: children end with a clean stop only
        return
    forked_by = [os.getpid()]

    def before_fork() -> None:
        forked_by[0] = os.getpid()

    def in_child() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != forked_by[0]:  # the parent died before we asked
            os._exit(1)

    os.register_at_fork(before=before_fork, after_in_child=in_child)


class DeploymentCron(CronScheduler):
    """rq cron, once per deployment however many workers run it.

    Every worker keeps its own scheduler (any one of them keeps the schedule alive when the
    others stop), but a job's run for a tick is enqueued only by the first scheduler that
    claims that tick in Redis: with three workers, the expiry purge and the reconciler still
    run once every 15 and 5 minutes, not three times.
    """

    def enqueue_jobs(self) -> list[CronJob]:
        enqueue_time = now()
        enqueued = []
        for job in self._cron_jobs:
            if not job.should_run():
                continue
            if self.claim(job, enqueue_time):
                job.enqueue(self.connection)
                enqueued.append(job)
            # Claimed by another scheduler: this one's next try is one interval later too.
            job.set_enqueue_time(enqueue_time)
        return enqueued

    def claim(self, job: CronJob, at: datetime) -> bool:
        """Take `job`'s tick at `at` for this scheduler; False when another one has it."""
        tick = int(at.timestamp()) // job.interval
        return bool(
            self.connection.set(
                CRON_CLAIM_KEY.format(name=job.name, tick=tick),
                self.name,
                nx=True,
                ex=2 * job.interval,
            )
        )


def schedule(connection) -> DeploymentCron:
    """The maintenance schedule: the expiry purge and the outbox reconciler."""
    cron = DeploymentCron(connection=connection, name=f"cron-{os.getpid()}")
    cron.register(expire_registrations, MAINTENANCE_QUEUE, interval=EXPIRE_EVERY_SECONDS)
    cron.register(reconcile_outbox, MAINTENANCE_QUEUE, interval=RECONCILE_EVERY_SECONDS)
    return cron


def run_cron(
    redis_url: str, options: RedisOptions, worker_pid: int, log_level: str, log_format: str
) -> None:
    """In a child process: enqueue the maintenance jobs on their schedule (rq cron)."""
    die_with_parent()
    if os.getppid() != worker_pid:  # ~1 s of imports first: the worker may be gone already
        return
    # A spawned child starts with bare logging: the same lines as its parent's.
    configure_logging(log_level, log_format)
    # The app's factory: the same Sentinel, TLS, passwords and retries as the worker's client.
    schedule(connect(redis_url, options)).start()


def no_commit_wait(database_url: str | None, pool_mode: str = "session") -> dict:
    """On PostgreSQL, the worker's commits do not wait for the WAL flush (~4 ms a job).

    Safe because every job may run twice: a commit lost in a crash leaves its outbox row
    owed, the reconciler re-enqueues it, and the job finds its "handed" marker in Redis
    instead of mailing again (docs/PERFORMANCE.md). Set for the worker's own connections
    only, at their start; behind PgBouncer in transaction pooling a server connection
    serves the web processes too, so there each of the worker's transactions sets it for
    itself instead (`commit_without_waiting`).
    """
    if not (database_url or "").startswith("postgresql"):
        return {}
    if pool_mode == "transaction":
        return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}, "WORKER_NO_COMMIT_WAIT": True}
    return {
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "connect_args": {"options": "-c synchronous_commit=off"},
        }
    }


def commit_without_waiting(engine) -> None:
    """Behind PgBouncer (transaction pooling): `SET LOCAL synchronous_commit` at the start
    of each of this engine's transactions, which ends with the transaction (and so never
    reaches a web process sharing the server connection)."""

    @event.listens_for(engine, "begin")
    def _no_flush_wait(connection) -> None:
        # On the DB-API connection: its first statement opens the transaction being begun.
        with connection.connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def main() -> int:
    """Build the app once, push its context, and work the queues until stopped."""
    settings: Settings = load_or_exit()
    configure_logging(settings.LOG_LEVEL, settings.LOG_FORMAT)
    if not settings.REDIS_URL:
        # An embedded Redis of its own would be a queue nobody else sees.
        print(
            "worker.py: set REDIS_URL to the web app's Redis (make run does it for you).",
            file=sys.stderr,
        )
        return 2
    app = create_app(
        {
            "AUTO_MIGRATE": False,
            **no_commit_wait(settings.DATABASE_URL, settings.DATABASE_POOL_MODE),
        }
    )
    die_with_the_worker()
    with app.app_context():
        if app.config.get("WORKER_NO_COMMIT_WAIT"):
            commit_without_waiting(db.engine)
        connection = redis_store.connection
        cron = multiprocessing.get_context("spawn").Process(
            target=run_cron,
            args=(
                app.config["REDIS_URL"],
                redis_store.options,
                os.getpid(),
                settings.LOG_LEVEL,
                settings.LOG_FORMAT,
            ),
            daemon=True,
            name="rq-cron",
        )
        cron.start()
        queues = [Queue(name, connection=connection) for name in (MAIL_QUEUE, MAINTENANCE_QUEUE)]
        # SimpleWorker runs jobs in this process: the app, its DB pool and the SMTP
        # connection are reused from one job to the next instead of forked for each.
        worker = SessionPerJobWorker(queues, connection=connection)
        log.info("worker %s on queues %s", worker.name, ", ".join(q.name for q in queues))
        try:
            # No logging_level: RQ would set its loggers' level over configure_logging's.
            worker.work(with_scheduler=True)
        finally:
            cron.terminate()
            cron.join(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
