"""Shared fixtures: the app (with its `app_config` marker), clients, the SMTP sink, the worker,
row readers and active subscribers."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path

import pytest
import redis as redis_lib
from flask import Flask
from flask.testing import FlaskClient
from rq import Queue
from rq.scheduler import RQScheduler
from sqlalchemy import func, select

from mailer.devsink import MailSink
from mailer.smtp import close_connection
from tests.factories import activate_through_pages, create_subscriber
from tests.support import EMAIL, SUBSCRIBER_NUMBER, WizardActions, csrf_token
from web import create_app
from web.core.outbox import RETRY_INTERVALS
from web.embedded_redis import EmbeddedRedis
from web.extensions import db
from web.models import MailOutbox, Registration

DRAFT_KEY = "wizard:draft:{}"


def pytest_configure(config: pytest.Config) -> None:
    """Declare the `app_config` marker, read by the `app` fixture."""
    config.addinivalue_line(
        "markers", "app_config(**overrides): settings this test's app is built with"
    )


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """REDIS_URL when set (CI's service), else an embedded redis-server for the session."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), persist=False)
    yield server.start()
    server.stop()


@pytest.fixture(scope="session")
def smtp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailSink]:
    """A real SMTP server (aiosmtpd) for the session; `outbox` empties it per test."""
    sink = MailSink(tmp_path_factory.mktemp("smtp-sink") / "maildir", port=0)
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def outbox(smtp_server: MailSink) -> list:
    """The mails the SMTP server received during this test, parsed, oldest first."""
    smtp_server.messages.clear()
    return smtp_server.messages


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """DATABASE_URL when set (CI's PostgreSQL), else a fresh SQLite file."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def app_config(
    database_url: str, redis_url: str, tmp_path: Path, smtp_server: MailSink, outbox: list
) -> dict:
    """The overrides every test app gets; tests may change them before `app` is built."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "AUTO_MIGRATE": False,
        # Cheap hashes keep the suite fast; one test checks the production defaults.
        "ARGON2_MEMORY_KIB": 1024,
        "ARGON2_TIME_COST": 1,
        "DEV_MAILBOX_DIR": str(tmp_path / "mailbox"),
        # A real SMTP conversation with the session's sink (Flask-Mail would suppress
        # sending under TESTING otherwise).
        "MAIL_SUPPRESS_SEND": False,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server.port,
        "PUBLIC_URL": "http://espace-pro.example.com",
    }


@pytest.fixture
def app(app_config: dict, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """An app on a fresh schema and an empty Redis database, built with the overrides plus
    those of the test's `app_config` marker (read here, once, for every folder)."""
    marker = request.node.get_closest_marker("app_config")
    if marker is not None:
        app_config.update(marker.kwargs)
    app = create_app(app_config)
    with app.app_context():
        db.drop_all()
        db.create_all()
    # The app's own client: any REDIS_URL (TLS, Sentinel) with its settings.
    app.extensions["redis"].flushdb()
    yield app
    with app.app_context():
        close_connection()
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    app.extensions["redis"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client with its own cookie jar."""
    return app.test_client()


@pytest.fixture
def redis_client(app: Flask) -> redis_lib.Redis:
    """The app's own Redis connection."""
    return app.extensions["redis"]


@pytest.fixture
def wizard(client: FlaskClient) -> WizardActions:
    """Wizard actions on the test client."""
    return WizardActions(client)


@pytest.fixture
def valider_token(client: FlaskClient, wizard: WizardActions) -> str:
    """The « Valider » form's CSRF token, the wizard's three steps done."""
    wizard.accept_terms()
    wizard.credentials()
    wizard.profile()
    return csrf_token(client.get("/inscription/confirmation").get_data(as_text=True))


@pytest.fixture
def worker_connection(app: Flask) -> Callable[[], AbstractContextManager[redis_lib.Redis]]:
    """The Redis connection the worker and its scheduler run on: the app's own."""
    return lambda: contextlib.nullcontext(app.extensions["redis"])


@pytest.fixture
def run_worker(
    app: Flask, worker_connection: Callable[[], AbstractContextManager[redis_lib.Redis]]
) -> Callable[[], None]:
    """Run the RQ worker in burst mode, as production runs jobs (same code path)."""

    def run() -> None:
        from worker import SessionPerJobWorker

        with worker_connection() as connection:
            queues = [Queue(name, connection=connection) for name in ("mail", "maintenance")]
            with app.app_context():
                SessionPerJobWorker(queues, connection=connection).work(
                    burst=True, logging_level="WARNING"
                )

    return run


@pytest.fixture
def enqueue_due_jobs(
    worker_connection: Callable[[], AbstractContextManager[redis_lib.Redis]],
) -> Callable[[], int]:
    """What the worker's scheduler does: move the mail jobs due at the (moved) current time
    onto their queue. Returns how many moved."""

    def run() -> int:
        with worker_connection() as connection:
            due = len(
                Queue("mail", connection=connection).scheduled_job_registry.get_jobs_to_schedule()
            )
            scheduler = RQScheduler(["mail"], connection=connection)
            scheduler.prepare_registries(["mail"])
            scheduler.enqueue_scheduled_jobs()
            return due

    return run


@pytest.fixture
def run_retries(time_machine, run_worker, enqueue_due_jobs) -> Callable[..., None]:
    """Move the clock past each retry interval of a mail in turn, and run the worker on the
    retry that comes due (checked to be the only one unless `check_due` is false)."""

    def run(check_due: bool = True) -> None:
        for interval in RETRY_INTERVALS:
            time_machine.shift(timedelta(seconds=interval + 1))
            due = enqueue_due_jobs()
            if check_due:
                assert due == 1
            run_worker()

    return run


@pytest.fixture
def mail_queue(redis_client: redis_lib.Redis) -> Queue:
    """The RQ queue the worker sends mails from."""
    return Queue("mail", connection=redis_client)


@pytest.fixture
def count(app: Flask) -> Callable[[type], int]:
    """How many rows a model has, read in a fresh session."""

    def read(model: type) -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(model))

    return read


@pytest.fixture
def rows(app: Flask) -> Callable[[type], list]:
    """All rows of a model, oldest first, read in a fresh session."""

    def read(model: type) -> list:
        with app.app_context():
            found = list(db.session.scalars(select(model).order_by(model.id)))
            db.session.expunge_all()
            return found

    return read


@pytest.fixture
def outbox_rows(rows: Callable[[type], list]) -> Callable[[], list[MailOutbox]]:
    """Every mail outbox row, oldest first, read in a fresh session."""
    return lambda: rows(MailOutbox)


@pytest.fixture
def session_data(app: Flask, client: FlaskClient) -> Callable[[], dict]:
    """Decode the client's signed session cookie as the app would."""

    def decode() -> dict:
        cookie = client.get_cookie("session")
        if cookie is None:
            return {}
        serializer = app.session_interface.get_signing_serializer(app)
        return dict(serializer.loads(cookie.value))

    return decode


@pytest.fixture
def draft_key(session_data: Callable[[], dict]) -> Callable[[], str | None]:
    """The Redis key of the client's current draft (None before the wizard starts)."""

    def key() -> str | None:
        token = session_data().get("draft")
        return DRAFT_KEY.format(token) if token else None

    return key


@pytest.fixture
def draft(
    draft_key: Callable[[], str | None], redis_client: redis_lib.Redis
) -> Callable[[], dict | None]:
    """The client's draft as stored in Redis (read without renewing its expiry)."""

    def load() -> dict | None:
        key = draft_key()
        raw = redis_client.get(key) if key else None
        return json.loads(raw) if raw is not None else None

    return load


@pytest.fixture
def make_subscriber(app: Flask) -> Callable[..., int]:
    """Create an active subscriber directly in the DB; return its registration id."""

    def make(email: str = EMAIL, number: str = SUBSCRIBER_NUMBER) -> int:
        return create_subscriber(app, email, number)

    return make


@pytest.fixture
def subscriber_id(make_subscriber: Callable[..., int]) -> int:
    """An active space, made in the database (the flow itself is tested elsewhere)."""
    return make_subscriber()


@pytest.fixture
def subscriber(
    app: Flask, wizard: WizardActions, outbox: list, run_worker: Callable[[], None]
) -> Registration:
    """An active space, signed up (on the test's client) and activated through the pages and
    the worker."""
    return activate_through_pages(app, outbox, run_worker, EMAIL, client=wizard.client)
