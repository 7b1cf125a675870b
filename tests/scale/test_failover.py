"""A Redis failover under load, with real processes (issue 16, point 7).

A master, one replica and three Sentinels (tests/scale/redis_ha.py), the database
(PostgreSQL when DATABASE_URL names it, CI's second pass; else a SQLite file), two gunicorn
web processes and two `worker.py` on REDIS_URL = the Sentinels' URL, and an SMTP sink. 100
complete sign-ups are walked over both web processes, as people would: a step answered 503
is pressed again. When 40 have completed, `SENTINEL FAILOVER` is sent and the old master is
SIGKILLed. Afterwards: every confirmed registration was mailed exactly once and activated,
no subscriber number twice, never a 500; the 503s and the longest unavailability printed.

Bounded: every request, every wait for a mail and the whole walk end by DEADLINE; every
process started is killed on the way out, failure or not.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import pytest
from rq import Queue
from sqlalchemy import create_engine, text

from bench.driver import FlowError, FlowResult, Walker, address
from bench.stack import Stack, TimedSink
from tests.scale.redis_ha import RedisHA

pytestmark = pytest.mark.failover

FLOWS = 100
CONCURRENCY = 6
FAILOVER_AFTER = 40  # completed flows; the others are on their way, or not yet started
# The walk's budget (start-up excluded); the test as a whole stays near two minutes.
DEADLINE = 100.0
# How soon a person presses again after « Service indisponible ».
PRESS_AGAIN_AFTER = 0.2
SETTINGS = {
    # Cheap hashes: this test is about Redis, not argon2's cost.
    "ARGON2_MEMORY_KIB": "1024",
    "ARGON2_TIME_COST": "1",
    "LOG_LEVEL": "INFO",
}


@dataclass
class Unavailability:
    """What the people met: 503s, 500s, and the longest run of 503s one of them sat
    through (first 503 to the answer that was not one)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    answers_503: int = 0
    answers_500: list[str] = field(default_factory=list)
    longest: float = 0.0
    worst_step: str = ""
    slowest: float = 0.0  # one answer (the server's own retries make it wait, not fail)
    slowest_step: str = ""

    def noted(self, step: str, status: int, waited: float | None, took: float) -> None:
        with self.lock:
            if took > self.slowest:
                self.slowest, self.slowest_step = took, step
            if status == 503:
                self.answers_503 += 1
            elif status >= 500:
                self.answers_500.append(f"{step}: {status}")
            if waited is not None and waited > self.longest:
                self.longest, self.worst_step = waited, step


class PatientWalker(Walker):
    """The bench's walker, pressing again after a 503 until the deadline."""

    def __init__(self, base_url, sink, email, deadline: float, seen: Unavailability):
        super().__init__(base_url, sink, email, mail_timeout=max(0.0, deadline - time.monotonic()))
        self.deadline = deadline
        self.seen = seen
        self.client.timeout = httpx.Timeout(20)

    def _timed(self, method: str, path: str, **kwargs) -> httpx.Response:
        step = f"{method} {path}"
        first_503 = None
        while True:
            if time.monotonic() > self.deadline:
                if first_503 is not None:  # unavailable until the end
                    self.seen.noted(step, 0, time.monotonic() - first_503, 0.0)
                raise FlowError(f"{step}: deadline reached")
            sent = time.monotonic()
            response = super()._timed(method, path, **kwargs)
            took = time.monotonic() - sent
            if response.status_code != 503:
                waited = None if first_503 is None else time.monotonic() - first_503
                self.seen.noted(step, response.status_code, waited, took)
                return response
            first_503 = first_503 or sent
            self.seen.noted(step, 503, None, took)
            time.sleep(PRESS_AGAIN_AFTER)


def walk(
    urls: list[str], sink: TimedSink, after: int, on_the_way: threading.Event, seen
) -> list[FlowResult]:
    """Walk FLOWS flows, CONCURRENCY at a time, alternating the web processes; once `after`
    have completed, set `on_the_way` (the failover) and go on."""
    deadline = time.monotonic() + DEADLINE
    completed = Counter()
    lock = threading.Lock()

    def one(index: int) -> FlowResult:
        result = PatientWalker(
            urls[index % len(urls)], sink, address("failover", index), deadline, seen
        ).walk()
        with lock:
            completed["done"] += 1
            if completed["done"] == after:
                on_the_way.set()
        return result

    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        return list(pool.map(one, range(FLOWS)))


def test_a_redis_failover_under_load_loses_nothing_and_answers_no_500(tmp_path, database_url):
    seen = Unavailability()
    with RedisHA(tmp_path / "redis") as ha:
        stack = Stack(
            tmp_path / "stack",
            database_url=database_url,
            redis_url=ha.master_url,  # for the stack's own first flush only
            web_processes=2,
            gunicorn_workers=1,
            workers=2,
            # The services: through the Sentinels.
            settings=SETTINGS | {"REDIS_URL": ha.sentinel_url},
        )
        with stack:
            failover_due = threading.Event()
            failover: dict[str, float | int | str] = {}

            def fail_over() -> None:
                if not failover_due.wait(timeout=DEADLINE) or stop.is_set():
                    return
                failover["at"] = time.monotonic()
                try:
                    failover["old"] = ha.failover_and_kill()
                    while ha.master_port_seen() in (None, failover["old"]):
                        if time.monotonic() - failover["at"] > 30:
                            return
                        time.sleep(0.05)
                    failover["switched"] = time.monotonic() - failover["at"]
                except Exception as error:  # noqa: BLE001 - reported by the assertion below
                    failover["error"] = repr(error)

            stop = threading.Event()
            conductor = threading.Thread(target=fail_over, daemon=True)
            conductor.start()
            try:
                results = walk(stack.web_urls, stack.sink, FAILOVER_AFTER, failover_due, seen)
            finally:
                stop.set()
                failover_due.set()
                conductor.join(timeout=40)
            service_logs = "\n".join(stack.logs(name) for name in stack.processes)
            # Nothing left to run that could mail again: no job queued, started, retried.
            with contextlib.closing(ha.master()) as connection:
                queue = Queue("mail", connection=connection)
                # A job that sent the last mail (its own, or ones it drained from the
                # queue) may still be writing its bookkeeping: give it a moment.
                deadline = time.monotonic() + 15
                while queue.started_job_registry.count and time.monotonic() < deadline:
                    time.sleep(0.1)
                left = {
                    "queued": queue.count,
                    "scheduled": queue.scheduled_job_registry.count,
                    "started": queue.started_job_registry.count,
                    "failed": queue.failed_job_registry.count,
                }

        latencies = [r.mail_latency for r in results if r.mail_latency is not None]
        print(
            f"\nfailover: {seen.answers_503} answers 503; longest unavailability "
            f"{seen.longest:.2f} s ({seen.worst_step or 'none'}); slowest answer "
            f"{seen.slowest:.2f} s ({seen.slowest_step}); Sentinels switched in "
            f"{failover.get('switched', float('nan')):.2f} s; slowest mail "
            f"{max(latencies, default=float('nan')):.1f} s after « Valider »"
        )
        failures = [(r.email, r.error) for r in results if not r.completed]
        assert "switched" in failover, (
            f"no new master ({failover}; {len(failures)} flows failed, e.g. {failures[:3]}):\n"
            + ha.logs()
        )
        assert ha.master_port_seen() != failover["old"]

    assert not failures, f"{len(failures)} flows failed, e.g. {failures[:3]}\n{service_logs}"
    assert not seen.answers_500, seen.answers_500
    assert set(left.values()) == {0}, left
    # Flows were still on their way when the master went.
    assert sum(1 for r in results if r.confirm_sent and r.confirm_sent > failover["at"]) > 0

    # Exactly one mail per address, and no mail to anyone else.
    expected = {address("failover", index) for index in range(FLOWS)}
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
