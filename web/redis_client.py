"""The app's Redis connection: the configured server, or the embedded default."""

from __future__ import annotations

import atexit
from pathlib import Path

import redis
from flask import Flask, current_app

from web.embedded_redis import EmbeddedRedis, published_url

# Every command the web app sends is small: a Redis silent for 3 s is down (fsync stalls of
# an append-only file last up to 2 s). Without these a frozen Redis hangs the request; the
# rate limiter's own client gets the same (RATELIMIT_STORAGE_OPTIONS).
CLIENT_TIMEOUTS = {"socket_timeout": 3, "socket_connect_timeout": 2}


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
        app.extensions["redis"] = redis.Redis.from_url(
            url, **CLIENT_TIMEOUTS, health_check_interval=30
        )

    @property
    def connection(self) -> redis.Redis:
        """The current app's Redis client."""
        return current_app.extensions["redis"]
