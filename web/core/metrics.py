"""Prometheus metrics: request latency in each web process, events and queues from Redis.

Request latency is a histogram of this process. Under gunicorn each worker writes it to
files in ``PROMETHEUS_MULTIPROC_DIR`` (set by gunicorn.conf.py) and a scrape adds them up,
whichever worker answers. The events (sign-ups, activations, expiries, mails) happen in the
web processes and in the worker, which runs in another container: they are counted in
Redis, which both already share, and read at scrape time, with the queue depths.
docs/OPERATIONS.md says more.
"""

from __future__ import annotations

import logging
import math
import os

import redis
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from web.extensions import redis_store
from web.models import MailKind

log = logging.getLogger("espace_pro.metrics")
# prometheus_client picks its storage from this variable when first imported, as here.
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Not registered globally: each scrape builds its registry (see exposition).
REQUEST_SECONDS = Histogram(
    "espace_pro_http_request_duration_seconds",
    "Time to answer a request, by Flask endpoint (never the raw path), method and status.",
    ["endpoint", "method", "status"],
    registry=None,
)

EVENTS_KEY = "metrics:events"
HANDOFF_KEY = "metrics:mail_handoff"
# name: (help, label) — the label's values are the mail kinds.
EVENTS = {
    "signups_confirmed": ("Sign-ups confirmed (« Valider » of the wizard).", None),
    "activations": ("Spaces activated with their code.", None),
    "registrations_expired": ("Registrations expired without activation.", None),
    "mails_sent": ("Mails handed to SMTP, by kind.", "kind"),
    "mails_failed": ("SMTP hand-offs that failed (each attempt, retried or not), by kind.", "kind"),
}
# From the owed outbox row (the confirmation) to SMTP: queueing, retries and sending.
HANDOFF_BUCKETS = (0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, math.inf)
QUEUES = ("mail", "maintenance")


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request in this process's latency histogram."""
    method = method if method in METHODS else "other"
    REQUEST_SECONDS.labels(endpoint, method, str(status)).observe(seconds)


def count(event: str, kind: str | None = None, amount: int = 1) -> None:
    """Add to an event counter in Redis; a metric never fails the work it counts."""
    try:
        queue_count(redis_store.connection, event, kind, amount)
    except redis.RedisError:
        log.warning("metric %s not counted: Redis unavailable", event)


def queue_count(pipe: redis.Redis, event: str, kind: str | None = None, amount: int = 1) -> None:
    """`count` on a client, or queued on the caller's pipeline (sent with its own writes)."""
    pipe.hincrby(EVENTS_KEY, event if kind is None else f"{event}:{kind}", amount)


def queue_mail_handoff(pipe: redis.Redis, seconds: float) -> None:
    """Record how long a mail waited between its outbox row and its hand-off to SMTP,
    queued on the caller's pipeline (the one that marks the mail handed)."""
    bucket = next(bound for bound in HANDOFF_BUCKETS if seconds <= bound)
    pipe.hincrby(HANDOFF_KEY, _bucket_field(bucket), 1)
    pipe.hincrbyfloat(HANDOFF_KEY, "sum", max(seconds, 0.0))


def _bucket_field(bound: float) -> str:
    return "+Inf" if bound == math.inf else repr(float(bound))


class RedisCollector:
    """Event counters, mail hand-off latency and queue depths, read from Redis at scrape."""

    def __init__(self, connection: redis.Redis) -> None:
        self.connection = connection

    def collect(self):
        """Yield the metric families; only `espace_pro_redis_up 0` when Redis is down."""
        from rq import Queue

        queues = [Queue(name, connection=self.connection) for name in QUEUES]
        try:
            with self.connection.pipeline(transaction=False) as pipe:
                pipe.hgetall(EVENTS_KEY)
                pipe.hgetall(HANDOFF_KEY)
                for queue in queues:
                    pipe.llen(queue.key)
                    for registry in _registries(queue).values():
                        pipe.zcard(registry.key)
                replies = pipe.execute()
        except redis.RedisError:
            yield GaugeMetricFamily("espace_pro_redis_up", "Redis answered the scrape.", 0)
            return
        yield GaugeMetricFamily("espace_pro_redis_up", "Redis answered the scrape.", 1)
        events = {key.decode(): int(value) for key, value in replies[0].items()}
        yield from _event_families(events)
        yield _handoff_family({key.decode(): value for key, value in replies[1].items()})
        depth = GaugeMetricFamily(
            "espace_pro_queue_jobs", "RQ jobs by queue and state.", labels=["queue", "state"]
        )
        sizes = iter(replies[2:])
        for queue in queues:
            depth.add_metric([queue.name, "queued"], next(sizes))
            for state in _registries(queue):
                depth.add_metric([queue.name, state], next(sizes))
        yield depth


def _registries(queue) -> dict:
    return {
        "scheduled": queue.scheduled_job_registry,
        "started": queue.started_job_registry,
        "failed": queue.failed_job_registry,
    }


def _event_families(events: dict[str, int]):
    for event, (documentation, label) in EVENTS.items():
        name = f"espace_pro_{event}"
        if label is None:
            yield CounterMetricFamily(name, documentation, events.get(event, 0))
            continue
        family = CounterMetricFamily(name, documentation, labels=[label])
        for kind in MailKind:
            family.add_metric([kind.value], events.get(f"{event}:{kind.value}", 0))
        yield family


def _handoff_family(stored: dict[str, bytes]) -> HistogramMetricFamily:
    cumulative, buckets = 0, []
    for bound in HANDOFF_BUCKETS:
        field = _bucket_field(bound)
        cumulative += int(stored.get(field, 0))
        buckets.append((field, cumulative))
    return HistogramMetricFamily(
        "espace_pro_mail_handoff_seconds",
        "From the owed mail (outbox row) to its hand-off to SMTP: queue, retries, sending.",
        buckets=buckets,
        sum_value=float(stored.get("sum", 0)),
    )


def exposition() -> bytes:
    """The Prometheus text for a scrape: every web process's requests, plus Redis' share."""
    registry = CollectorRegistry(auto_describe=False)
    if MULTIPROCESS:
        MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_SECONDS)
    registry.register(RedisCollector(redis_store.connection))
    return generate_latest(registry)
