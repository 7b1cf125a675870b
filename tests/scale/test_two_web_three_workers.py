"""Scaling out on one Redis and one database: two web processes and three worker processes
(the production commands, as processes) take 200 sign-ups walked over both web processes.

Nothing is mailed twice, no subscriber number is issued twice, no registration is lost.
The embedded default runs it too, the five processes sharing one SQLite file.
"""

from __future__ import annotations

import time
from collections import Counter

import redis as redis_lib
from rq import Queue
from rq.registry import FailedJobRegistry, StartedJobRegistry
from sqlalchemy import create_engine, text

from bench.driver import address, run_flows
from bench.stack import Stack

FLOWS = 200
# Cheap hashes: this test is about concurrency, not argon2's cost.
SETTINGS = {"ARGON2_MEMORY_KIB": "1024", "ARGON2_TIME_COST": "1"}


def test_two_web_and_three_workers_share_the_load_without_duplicates_or_losses(
    tmp_path, database_url, redis_url
):
    stack = Stack(
        tmp_path / "stack",
        database_url=database_url,
        redis_url=redis_url,
        web_processes=2,
        gunicorn_workers=1,
        workers=3,
        settings=SETTINGS,
    )
    with stack:
        results, _ = run_flows(stack.web_urls, stack.sink, "scale", FLOWS, concurrency=8)
        failures = [(r.email, r.error) for r in results if not r.completed]
        assert not failures, f"{len(failures)} flows failed, e.g. {failures[:3]}"
        # Both web processes took half of the flows.
        assert Counter(r.base_url for r in results) == {url: FLOWS // 2 for url in stack.web_urls}

        connection = redis_lib.Redis.from_url(stack.redis_url)
        for name in ("mail", "maintenance"):
            queue = Queue(name, connection=connection)
            assert queue.count == 0, f"jobs left in {name}"
            assert FailedJobRegistry(queue=queue).count == 0, f"failed jobs in {name}"
            # A job that sent the last mail (its own, or ones it drained from the queue) may
            # still be writing its bookkeeping when that mail arrives: give it a moment.
            started = StartedJobRegistry(queue=queue)
            deadline = time.monotonic() + 15
            while started.count and time.monotonic() < deadline:
                time.sleep(0.1)
            assert started.count == 0, f"jobs still running in {name}"
        # Every worker took a share: the three really competed for the same queue.
        handed = [
            stack.logs(name, tail=None).count("activation code handed to SMTP")
            for name in stack.worker_names()
        ]
        assert len(handed) == 3 and all(handed), handed

    # Exactly one mail per address, and no mail to anyone else.
    expected = {address("scale", index) for index in range(FLOWS)}
    received = {recipient: len(mails) for recipient, mails in stack.sink.arrivals.items()}
    assert set(received) == expected
    assert set(received.values()) == {1}, {k: v for k, v in received.items() if v != 1}

    engine = create_engine(database_url)
    try:
        with engine.connect() as db:
            rows = db.execute(
                text("SELECT email, state, subscriber_number FROM registration")
            ).all()
            outbox = db.execute(
                text("SELECT count(*), count(sent_at), count(failed_at) FROM mail_outbox")
            ).one()
    finally:
        engine.dispose()
    assert {row.email for row in rows} == expected
    assert {row.state for row in rows} == {"active"}
    numbers = [row.subscriber_number for row in rows]
    assert len(set(numbers)) == FLOWS and None not in numbers
    assert set(numbers) == {r.subscriber_number for r in results}
    assert tuple(outbox) == (FLOWS, FLOWS, 0)
