"""Activation fixtures: sign up and read the code, activate, read rows, move RQ's schedule."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis as redis_lib
from flask import Flask
from flask.testing import FlaskClient
from rq import Queue
from rq.scheduler import RQScheduler
from sqlalchemy import func, select

from tests.activation.helpers import EMAIL, mails_to
from tests.conftest import WizardActions, code_from
from web.extensions import db
from web.models import MailOutbox, Registration


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "app_config(**overrides): settings this test's app is built with"
    )


@pytest.fixture
def app_config(app_config: dict, request: pytest.FixtureRequest) -> dict:
    """The shared overrides, plus those of the test's `app_config` marker."""
    for marker in request.node.iter_markers("app_config"):
        app_config.update(marker.kwargs)
    return app_config


@pytest.fixture
def sign_up(app: Flask, run_worker: Callable[[], None], outbox: list) -> Callable[..., str]:
    """Walk the wizard on a client (a new one by default), run the worker, return the code."""

    def sign_up(email: str = EMAIL, client: FlaskClient | None = None) -> str:
        WizardActions(client or app.test_client()).complete(email=email)
        run_worker()
        received = mails_to(outbox, email)
        assert received, f"no mail reached {email}"
        return code_from(received[-1])

    return sign_up


@pytest.fixture
def registration(app: Flask) -> Callable[..., Registration | None]:
    """The registration of an address (or the only/last one), read in a fresh session."""

    def load(email: str | None = EMAIL, registration_id: int | None = None):
        with app.app_context():
            query = select(Registration).order_by(Registration.id.desc())
            if registration_id is not None:
                query = query.where(Registration.id == registration_id)
            elif email is not None:
                query = query.where(Registration.email == email)
            found = db.session.scalars(query).first()
            db.session.expunge_all()
            return found

    return load


@pytest.fixture
def count(app: Flask) -> Callable[[type], int]:
    """How many rows a model has."""

    def read(model: type) -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(model))

    return read


@pytest.fixture
def outbox_rows(app: Flask) -> Callable[[], list[MailOutbox]]:
    """Every mail outbox row, oldest first, read in a fresh session."""

    def read() -> list[MailOutbox]:
        with app.app_context():
            rows = list(db.session.scalars(select(MailOutbox).order_by(MailOutbox.id)))
            db.session.expunge_all()
            return rows

    return read


@pytest.fixture
def mail_queue(redis_client: redis_lib.Redis) -> Queue:
    """The RQ queue the worker sends mails from."""
    return Queue("mail", connection=redis_client)


@pytest.fixture
def enqueue_due_jobs(redis_client: redis_lib.Redis) -> Callable[[], int]:
    """What the worker's scheduler does: move scheduled jobs that are due (at the
    current, possibly moved, time) onto their queue. Returns how many moved."""

    def run() -> int:
        queue = Queue("mail", connection=redis_client)
        due = len(queue.scheduled_job_registry.get_jobs_to_schedule())
        scheduler = RQScheduler(["mail"], connection=redis_client)
        scheduler.prepare_registries(["mail"])
        scheduler.enqueue_scheduled_jobs()
        return due

    return run
