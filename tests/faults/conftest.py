"""Fault fixtures: the app on a Redis server of the test's own, to stop and start again, and
the checks every outage test makes (the French 503 page, soon, and nothing half-saved)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis as redis_lib
from flask import Flask
from rq import Queue
from rq.scheduler import RQScheduler
from sqlalchemy import func, select

from tests.faults.redis_server import RedisServer
from tests.web.pages import Page
from web.extensions import db

# A frozen Redis must cost a request a few seconds at most (the clients' socket timeouts),
# never the whole gunicorn timeout.
PROMPT_SECONDS = 8.0
UNAVAILABLE_TITLE = "Service momentanément indisponible"
NOTHING_SAVED = "Rien n'a été enregistré : réessayez dans quelques instants."


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server for this test alone, append-only file on (as in compose)."""
    server = RedisServer(tmp_path / "redis-data")
    server.start()
    yield server
    server.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "app_config(**overrides): settings this test's app is built with"
    )


@pytest.fixture
def app_config(app_config: dict, redis_server: RedisServer, request: pytest.FixtureRequest) -> dict:
    """The shared overrides, on the test's own Redis, with errors handled as in production
    (TESTING would re-raise an error of an after-request hook instead of answering), plus
    those of the test's `app_config` marker."""
    app_config.update(REDIS_URL=redis_server.url, PROPAGATE_EXCEPTIONS=False)
    for marker in request.node.iter_markers("app_config"):
        app_config.update(marker.kwargs)
    return app_config


def assert_unavailable(response) -> Page:
    """The French 503 page: the service is unavailable and nothing was saved."""
    assert response.status_code == 503, (response.status, response.location)
    page = Page(response)
    assert page.h1 == UNAVAILABLE_TITLE
    assert NOTHING_SAVED in page.text
    assert "Code d'erreur : 503" in page.text
    for leak in ("Traceback", "ConnectionError", "TimeoutError", "OperationalError", "redis"):
        assert leak not in page.html
    return page


def promptly(
    request: Callable[[], object], on_hang: Callable[[], None], seconds: float = PROMPT_SECONDS
):
    """Run a request in a thread; fail if it has not answered within `seconds` (then call
    `on_hang`, e.g. thaw Redis, so that the thread can finish)."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["response"] = request()
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        on_hang()
        thread.join(60)
        pytest.fail(f"the request hung for more than {seconds:.0f} s on a frozen Redis")
    if "error" in outcome:
        raise outcome["error"]
    outcome["response"].elapsed = time.monotonic() - started
    return outcome["response"]


@pytest.fixture
def count(app: Flask) -> Callable[[type], int]:
    """How many rows a model has, read in a fresh session."""

    def read(model: type) -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(model))

    return read


@pytest.fixture
def rows(app: Flask) -> Callable[[type], list]:
    """All rows of a model, read in a fresh session."""

    def read(model: type) -> list:
        with app.app_context():
            found = list(db.session.scalars(select(model).order_by(model.id)))
            db.session.expunge_all()
            return found

    return read


@pytest.fixture
def run_worker(app: Flask):
    """Run the RQ worker in burst mode on a connection of its own: RQ raises the socket
    timeout of the connection it is given (to wait on its queues), and the web app's must
    keep its own to notice a frozen Redis."""

    def run() -> None:
        from worker import SessionPerJobWorker

        with contextlib.closing(redis_lib.Redis.from_url(app.config["REDIS_URL"])) as connection:
            queues = [Queue(name, connection=connection) for name in ("mail", "maintenance")]
            with app.app_context():
                SessionPerJobWorker(queues, connection=connection).work(
                    burst=True, logging_level="WARNING"
                )

    return run


@pytest.fixture
def enqueue_due_jobs(app: Flask) -> Callable[[], int]:
    """What the worker's scheduler does: move the mail jobs due at the (moved) current time
    onto their queue. Returns how many moved."""

    def run() -> int:
        with contextlib.closing(redis_lib.Redis.from_url(app.config["REDIS_URL"])) as connection:
            due = len(
                Queue("mail", connection=connection).scheduled_job_registry.get_jobs_to_schedule()
            )
            scheduler = RQScheduler(["mail"], connection=connection)
            scheduler.prepare_registries(["mail"])
            scheduler.enqueue_scheduled_jobs()
            return due

    return run
