"""Console fixtures: run `flask ops …` on the test's app, sign up, fail a mail for good."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from tests.ops.helpers import EMAIL, Console, SmtpSwitch
from tests.support import WizardActions
from web.models import MailOutbox, Registration


@pytest.fixture
def console(app: Flask) -> Console:
    """`flask ops …` on the test's app."""
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
def smtp(app: Flask, monkeypatch: pytest.MonkeyPatch) -> SmtpSwitch:
    """The test SMTP server, to make it refuse mails and take them again."""
    return SmtpSwitch(app, monkeypatch)


@pytest.fixture
def fail_for_good(run_worker, run_retries, rows) -> Callable[[], None]:
    """Run the worker through every retry of the owed mail (SMTP refusing): mail_failed."""

    def run() -> None:
        run_worker()
        run_retries()
        assert [row.state for row in rows(Registration)][-1] == "mail_failed"
        assert rows(MailOutbox)[-1].failed_at is not None

    return run
