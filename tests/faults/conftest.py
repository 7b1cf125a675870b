"""Fault fixtures: the app on a Redis server of the test's own, to stop and start again, and
the worker on connections of its own."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
import redis as redis_lib
from flask import Flask

from tests.faults.redis_server import RedisServer


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server for this test alone, append-only file on (as in compose)."""
    server = RedisServer(tmp_path / "redis-data")
    server.start()
    yield server
    server.close()


@pytest.fixture
def app_config(app_config: dict, redis_server: RedisServer) -> dict:
    """The shared overrides, on the test's own Redis, with errors handled as in production
    (TESTING would re-raise an error of an after-request hook instead of answering)."""
    app_config.update(REDIS_URL=redis_server.url, PROPAGATE_EXCEPTIONS=False)
    return app_config


@pytest.fixture
def worker_connection(app: Flask) -> Callable[[], AbstractContextManager[redis_lib.Redis]]:
    """The worker (and its scheduler) on a connection of its own, per run: RQ raises the
    socket timeout of the connection it is given (to wait on its queues), and the web app's
    must keep its own to notice a frozen Redis."""
    return lambda: contextlib.closing(redis_lib.Redis.from_url(app.config["REDIS_URL"]))
