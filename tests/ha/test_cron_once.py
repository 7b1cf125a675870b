"""The maintenance schedule runs once per deployment whatever the number of workers: three
processes run worker.py's rq cron (`worker.schedule`, a DeploymentCron each, as three
worker.py start it) on one Redis, over half an hour of moved clock and with different
phases; each tick of each job is enqueued once, by whichever claims it first."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from rq import Queue

from worker import (
    CRON_CLAIM_KEY,
    EXPIRE_EVERY_SECONDS,
    MAINTENANCE_QUEUE,
    RECONCILE_EVERY_SECONDS,
)

ROOT = Path(__file__).resolve().parents[2]
# On a tick boundary of both intervals.
START = datetime(2026, 5, 4, 9, 0, tzinfo=UTC).timestamp()
HORIZON = 30 * 60
PHASES = (1, 98, 195)  # seconds after START at which each worker's cron starts

# One worker's cron: what CronScheduler.start does, with the clock moved instead of slept.
CRON = """
import sys
import time_machine
from web.redis_client import connect
from worker import schedule

url, at, end = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
cron = schedule(connect(url))
attempts = 0
while at < end:
    with time_machine.travel(at, tick=False):
        cron.enqueue_jobs()
    attempts += 1
    at = min(job.next_enqueue_time for job in cron._cron_jobs).timestamp()
print(attempts)
"""


def ticks(phase: int, interval: int) -> set[int]:
    """The ticks a cron started at START + phase tries, one attempt per interval."""
    at = START + phase
    return {
        int(at + n * interval) // interval
        for n in range(HORIZON // interval)
        if at + n * interval < START + HORIZON
    }


def test_three_workers_enqueue_each_maintenance_tick_once(app, redis_client):
    url = app.config["REDIS_URL"]
    crons = [
        subprocess.Popen(  # noqa: S603 - this interpreter, a fixed script
            [sys.executable, "-c", CRON, url, str(START + phase), str(START + HORIZON)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for phase in PHASES
    ]
    attempts = [int(cron.communicate(timeout=120)[0].split()[-1]) for cron in crons]
    assert all(cron.returncode == 0 for cron in crons)

    enqueued = Counter(
        job.func_name.rsplit(".", 1)[-1]
        for job in Queue(MAINTENANCE_QUEUE, connection=redis_client).get_jobs()
    )
    expected = {
        "reconcile_outbox": set().union(*(ticks(p, RECONCILE_EVERY_SECONDS) for p in PHASES)),
        "expire_registrations": set().union(*(ticks(p, EXPIRE_EVERY_SECONDS) for p in PHASES)),
    }
    # Each cron tried every tick (6 + 2 each, 24 in all), but each tick ran once.
    assert attempts == [6, 6, 6]
    assert enqueued == {"reconcile_outbox": 6, "expire_registrations": 2}
    assert {name: len(tick_set) for name, tick_set in expected.items()} == enqueued
    # Each tick's claim names the cron that enqueued it.
    for name, tick_set in expected.items():
        for tick in tick_set:
            key = CRON_CLAIM_KEY.format(name=f"mailer.maintenance.{name}", tick=tick)
            owner = redis_client.get(key)
            assert owner is not None and owner.startswith(b"cron-"), key
