"""An SMTP server that accepts the connection and then never answers: the attempt fails
after MAIL_TIMEOUT_SECONDS and is retried like a refusal, instead of holding the worker
until RQ's job timeout."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.support import WizardActions
from web.models import MailOutbox, Registration, RegistrationState

EMAIL = "helene.lefevre@example.com"
START = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP port that accepts connections and never sends the SMTP greeting."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


@pytest.fixture
def app_config(app_config: dict, silent_port: int) -> dict:
    app_config["MAIL_PORT"] = silent_port
    app_config["MAIL_TIMEOUT_SECONDS"] = 1
    return app_config


def test_a_silent_smtp_server_fails_the_attempt_which_is_retried(
    app, client, time_machine, run_worker, rows
):
    time_machine.move_to(START, tick=True)
    WizardActions(client).complete(email=EMAIL)

    run_worker()

    (registration,) = rows(Registration)
    (owed,) = rows(MailOutbox)
    assert registration.state == RegistrationState.PENDING
    assert owed.attempts == 1 and owed.failed_at is None and owed.sent_at is None
    assert owed.last_error == "SMTP server did not answer in time"
    with app.app_context():
        assert socket.getdefaulttimeout() is None  # the process default is restored
