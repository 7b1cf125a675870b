"""Console fixtures: run `flask ops …` on the test's app, sign up, fail a mail for good."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
import redis as redis_lib
from click.testing import Result
from flask import Flask
from rq import Queue
from rq.scheduler import RQScheduler
from sqlalchemy import select

from tests.conftest import WizardActions
from web.core.outbox import RETRY_INTERVALS
from web.extensions import db
from web.models import MailOutbox, Registration

EMAIL = "helene.lefevre@example.com"
SECOND_EMAIL = "marc.dupont@example.com"
MASKED = "h*************@example.com"  # mask_email(EMAIL)


@dataclass
class Console:
    """`flask ops …` through Click's runner, on the test's app (its DB and Redis)."""

    app: Flask

    def run(self, *args: str) -> Result:
        """Invoke one ops command; its exit code, stdout and stderr."""
        return self.app.test_cli_runner().invoke(args=["ops", *args])

    def json(self, *args: str, exit_code: int = 0) -> dict:
        """Invoke with --json, check the exit code, return the parsed document."""
        result = self.run(*args, "--json")
        assert result.exit_code == exit_code, (result.output, result.stderr)
        return json.loads(result.stdout)


@pytest.fixture
def console(app: Flask) -> Console:
    return Console(app)


@pytest.fixture
def sign_up(app: Flask, run_worker: Callable[[], None]) -> Callable[..., None]:
    """Walk the wizard on a new client; run the worker unless told not to."""

    def sign_up(email: str = EMAIL, send: bool = True) -> None:
        WizardActions(app.test_client()).complete(email=email)
        if send:
            run_worker()

    return sign_up


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
def mail_queue(redis_client: redis_lib.Redis) -> Queue:
    return Queue("mail", connection=redis_client)


@pytest.fixture
def enqueue_due_jobs(redis_client: redis_lib.Redis) -> Callable[[], int]:
    """What the worker's scheduler does: move the mail jobs due at the (moved) clock onto
    their queue. Returns how many moved."""

    def run() -> int:
        due = len(
            Queue("mail", connection=redis_client).scheduled_job_registry.get_jobs_to_schedule()
        )
        scheduler = RQScheduler(["mail"], connection=redis_client)
        scheduler.prepare_registries(["mail"])
        scheduler.enqueue_scheduled_jobs()
        return due

    return run


class SmtpSwitch:
    """The test SMTP server answering 451 to every mail (`refuse`), or taking them again."""

    def __init__(self, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
        self.app = app
        self.monkeypatch = monkeypatch

    def refuse(self) -> None:
        from mailer.devsink import _StoreHandler
        from mailer.smtp import close_connection

        # A session opened before keeps the server's handler: the worker starts a new one.
        with self.app.app_context():
            close_connection()

        async def refuse(handler, server, session, envelope):
            return "451 4.3.0 try later"

        self.monkeypatch.setattr(_StoreHandler, "handle_DATA", refuse)

    def accept(self) -> None:
        self.monkeypatch.undo()


@pytest.fixture
def smtp(app: Flask, monkeypatch: pytest.MonkeyPatch) -> SmtpSwitch:
    return SmtpSwitch(app, monkeypatch)


@pytest.fixture
def fail_for_good(time_machine, run_worker, enqueue_due_jobs, rows) -> Callable[[], None]:
    """Run the worker through every retry of the owed mail (SMTP refusing): mail_failed."""

    def run() -> None:
        run_worker()
        for interval in RETRY_INTERVALS:
            time_machine.shift(timedelta(seconds=interval + 1))
            assert enqueue_due_jobs() == 1
            run_worker()
        assert [row.state for row in rows(Registration)][-1] == "mail_failed"
        assert rows(MailOutbox)[-1].failed_at is not None

    return run
