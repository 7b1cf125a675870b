"""The SMTP server really stopped (connection refused, not a 451 reply) and started again
on the same port: the retries, `mail_failed`, then a resend that arrives once.

Already covered elsewhere, not repeated here: SMTP refusing with 451 through every retry
(tests/activation/test_activation_delivery.py), nothing listening on the first attempt
(same file, `test_smtp_server_down_is_retried_like_a_refusal`), and the worker killed with
SIGKILL in the middle of a send (tests/activation/test_activation_worker_crash.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mailer.devsink import MailSink
from tests.activation.helpers import activate, activated_number, resend
from tests.support import WizardActions, code_from
from tests.web.pages import Page
from web.core.outbox import RETRY_INTERVALS
from web.models import MailOutbox, Registration, RegistrationState

EMAIL = "helene.lefevre@example.com"
SECOND_EMAIL = "marc.dupont@example.com"
START = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
REFUSED = "SMTP refused the mail (ConnectionRefusedError)"


class SmtpServer:
    """A real SMTP server (aiosmtpd) that can be stopped and started on the same port."""

    def __init__(self, maildir: Path) -> None:
        self.maildir = maildir
        self.sink = MailSink(maildir, port=0)
        self.sink.start()
        self.port = self.sink.port
        self.received: list = self.sink.messages

    def stop(self) -> None:
        """Close the port (and the connections the worker keeps open to it)."""
        self.sink.stop()

    def start(self) -> None:
        """Listen again on the same port."""
        self.sink = MailSink(self.maildir, port=self.port)
        self.sink.messages = self.received
        self.sink.start()


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path / "smtp-maildir")
    yield server
    server.stop()


@pytest.fixture
def app_config(app_config: dict, smtp: SmtpServer) -> dict:
    app_config["MAIL_PORT"] = smtp.port
    return app_config


def the_row(rows, email: str) -> tuple[Registration, MailOutbox]:
    (registration,) = [row for row in rows(Registration) if row.email == email]
    (owed,) = [row for row in rows(MailOutbox) if row.registration_id == registration.id]
    return registration, owed


def test_smtp_stopped_through_every_retry_is_mail_failed_then_a_resend_arrives_once(
    app, client, smtp, time_machine, run_worker, run_retries, rows
):
    time_machine.move_to(START, tick=True)
    smtp.stop()
    WizardActions(client).complete(email=EMAIL)

    run_worker()
    registration, owed = the_row(rows, EMAIL)
    assert registration.state == RegistrationState.PENDING
    assert (owed.attempts, owed.last_error) == (1, REFUSED)
    run_retries()

    registration, owed = the_row(rows, EMAIL)
    assert registration.state == RegistrationState.MAIL_FAILED
    assert owed.attempts == len(RETRY_INTERVALS) + 1 and owed.last_error == REFUSED
    assert owed.failed_at is not None and owed.sent_at is None
    assert smtp.received == []

    # The server is back on its port; the person clicks « Renvoyer le code ».
    smtp.start()
    page = Page(resend(client))
    assert any(
        notice.startswith("Un nouveau code d'activation vient de vous être envoyé")
        for notice in page.notices()
    )
    run_worker()

    assert [mail["To"] for mail in smtp.received] == [EMAIL]
    (registration,) = rows(Registration)
    assert registration.state == RegistrationState.CODE_SENT
    assert [row.sent_at is not None for row in rows(MailOutbox)] == [False, True]
    assert activated_number(activate(app.test_client(), EMAIL, code_from(smtp.received[0])))


def test_smtp_restarted_under_the_worker_sends_the_next_mail_once_on_its_retry(
    app, smtp, time_machine, run_worker, enqueue_due_jobs, rows
):
    time_machine.move_to(START, tick=True)
    WizardActions(app.test_client()).complete(email=EMAIL)
    run_worker()  # sent; the worker keeps its SMTP connection open for the next mail
    assert [mail["To"] for mail in smtp.received] == [EMAIL]

    smtp.stop()
    WizardActions(app.test_client()).complete(email=SECOND_EMAIL)
    run_worker()

    # The kept connection was closed by the server, and reconnecting was refused.
    registration, owed = the_row(rows, SECOND_EMAIL)
    assert registration.state == RegistrationState.PENDING
    assert (owed.attempts, owed.last_error, owed.failed_at) == (1, REFUSED, None)

    smtp.start()
    time_machine.shift(timedelta(seconds=RETRY_INTERVALS[0] + 1))
    assert enqueue_due_jobs() == 1
    run_worker()

    assert [mail["To"] for mail in smtp.received] == [EMAIL, SECOND_EMAIL]
    registration, owed = the_row(rows, SECOND_EMAIL)
    assert registration.state == RegistrationState.CODE_SENT and owed.sent_at is not None
    assert activated_number(activate(app.test_client(), SECOND_EMAIL, code_from(smtp.received[1])))
