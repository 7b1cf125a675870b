"""The maintenance schedule runs once per deployment, not once per worker.

Every `worker.py` starts its own rq cron scheduler (one keeps the schedule alive when the
others stop); each tick of a maintenance job is still enqueued once.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from rq import Queue

from worker import MAINTENANCE_QUEUE, schedule

# A quarter hour sharp: the 15-minute and 5-minute ticks start together.
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def enqueued(redis_client) -> Counter:
    """How many runs of each maintenance job wait in the queue."""
    queue = Queue(MAINTENANCE_QUEUE, connection=redis_client)
    return Counter(job.func_name.rsplit(".", 1)[-1] for job in queue.get_jobs())


def test_three_workers_enqueue_each_maintenance_job_once_per_tick(redis_client, time_machine):
    time_machine.move_to(START, tick=False)
    # Three workers started a minute apart, each with its scheduler, for half an hour.
    schedulers = {}
    for minute in range(31):
        if minute < 3:
            schedulers[minute] = schedule(redis_client)
        for cron in schedulers.values():
            cron.enqueue_jobs()
        time_machine.shift(timedelta(minutes=1))

    # Minutes 0, 5, …, 30 for the reconciler; 0, 15, 30 for the expiry purge.
    assert enqueued(redis_client) == {"reconcile_outbox": 7, "expire_registrations": 3}


def test_the_schedule_goes_on_when_the_worker_that_ran_it_stops(redis_client, time_machine):
    time_machine.move_to(START, tick=False)
    first, second = schedule(redis_client), schedule(redis_client)
    for cron in (first, second):
        cron.enqueue_jobs()
    assert enqueued(redis_client) == {"reconcile_outbox": 1, "expire_registrations": 1}

    # The first worker stops; the second one's next tick enqueues the reconciler.
    time_machine.shift(timedelta(minutes=5))
    second.enqueue_jobs()

    assert enqueued(redis_client) == {"reconcile_outbox": 2, "expire_registrations": 1}
