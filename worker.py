"""The background worker: RQ on the mail and maintenance queues, with its scheduler.

Run as `python worker.py`, configured from the same environment as the web app.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys

from rq import Queue, SimpleWorker
from rq.cron import CronScheduler
from rq.job import Job

from mailer.maintenance import expire_registrations, reconcile_outbox
from web import create_app
from web.embedded_redis import die_with_parent
from web.extensions import db, redis_store
from web.outbox import MAIL_QUEUE

MAINTENANCE_QUEUE = "maintenance"
EXPIRE_EVERY_SECONDS = 15 * 60
RECONCILE_EVERY_SECONDS = 5 * 60
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class SessionPerJobWorker(SimpleWorker):
    """SimpleWorker that gives every job a fresh DB session, as Flask gives every request."""

    def execute_job(self, job: Job, queue: Queue) -> None:
        try:
            return super().execute_job(job, queue)
        finally:
            # One app context serves every job: without this, a job that failed mid-flush
            # leaves the next ones a session that must be rolled back (PendingRollbackError
            # until a restart), and rows read by one job reach the next one stale.
            db.session.remove()


def run_cron(redis_url: str) -> None:
    """In a child process: enqueue the maintenance jobs on their schedule (rq cron)."""
    die_with_parent()
    import redis

    cron = CronScheduler(connection=redis.Redis.from_url(redis_url), name=f"cron-{os.getpid()}")
    cron.register(expire_registrations, MAINTENANCE_QUEUE, interval=EXPIRE_EVERY_SECONDS)
    cron.register(reconcile_outbox, MAINTENANCE_QUEUE, interval=RECONCILE_EVERY_SECONDS)
    cron.start()


def main() -> int:
    """Build the app once, push its context, and work the queues until stopped."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, stream=sys.stdout)
    if not os.environ.get("REDIS_URL"):
        # An embedded Redis of its own would be a queue nobody else sees.
        print("worker.py: set REDIS_URL to the web app's Redis (make run does it for you).",
              file=sys.stderr)
        return 2
    app = create_app({"AUTO_MIGRATE": False})
    with app.app_context():
        connection = redis_store.connection
        cron = multiprocessing.get_context("spawn").Process(
            target=run_cron, args=(app.config["REDIS_URL"],), daemon=True, name="rq-cron"
        )
        cron.start()
        queues = [Queue(name, connection=connection) for name in (MAIL_QUEUE, MAINTENANCE_QUEUE)]
        # SimpleWorker runs jobs in this process: the app, its DB pool and the SMTP
        # connection are reused from one job to the next instead of forked for each.
        worker = SessionPerJobWorker(queues, connection=connection)
        try:
            worker.work(with_scheduler=True, logging_level="INFO")
        finally:
            cron.terminate()
            cron.join(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
