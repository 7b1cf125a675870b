"""The real worker process killed (SIGKILL) in the middle of handing a mail to SMTP: the
registration is not lost, a fresh worker sends exactly one mail, and its code works."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from rq.job import Job, JobStatus

from mailer.devsink import free_port
from mailer.maintenance import reconcile_outbox
from tests.activation.helpers import EMAIL, activate, activated_number, text_of
from tests.activation.test_activation_secrets import forms_of
from tests.support import code_from
from web.models import RegistrationState

ROOT = Path(__file__).resolve().parents[2]
WAIT = 20.0  # every wait of this test is bounded by this many seconds


def wait_for(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


class GatedHandler:
    """An SMTP server whose first DATA blocks until released, then is refused; the mails
    after it are accepted and kept."""

    def __init__(self) -> None:
        self.blocked = threading.Event()
        self.release = threading.Event()
        self.messages: list[EmailMessage] = []
        self._first = True

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd
        if self._first:
            self._first = False
            self.blocked.set()
            deadline = time.monotonic() + WAIT
            while not self.release.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            # The worker that sent it is dead: this mail must not count as delivered.
            return "451 4.3.0 connection dropped"
        self.messages.append(BytesParser(policy=default_policy).parsebytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def gated_smtp() -> Iterator[tuple[GatedHandler, int]]:
    handler = GatedHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=5)
    controller.start()
    try:
        yield handler, port
    finally:
        handler.release.set()
        controller.stop()


@pytest.fixture
def start_worker(app, tmp_path) -> Iterator[Callable[[str, int], subprocess.Popen]]:
    """Start `python worker.py` as production does, on the test's DB, Redis and secret."""
    workers: list[subprocess.Popen] = []

    def start(name: str, smtp_port: int) -> subprocess.Popen:
        env = {
            **os.environ,
            "APP_ENV": "development",
            "SECRET_KEY": app.config["SECRET_KEY"],
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": app.config["REDIS_URL"],
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp_port),
            "PUBLIC_URL": app.config["PUBLIC_URL"],
            "ARGON2_MEMORY_KIB": "1024",
            "ARGON2_TIME_COST": "1",
            "AUTO_MIGRATE": "0",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "PYTHONUNBUFFERED": "1",
        }
        log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed by the process end
        worker = subprocess.Popen(
            [sys.executable, "worker.py"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        if worker.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=WAIT)


def test_worker_killed_while_handing_the_mail_to_smtp_loses_nothing_and_sends_once(
    app,
    time_machine,
    wizard,
    gated_smtp,
    start_worker,
    registration,
    outbox_rows,
    redis_client,
    tmp_path,
):
    handler, port = gated_smtp
    first = start_worker("worker-1", port)
    wizard.complete()

    wait_for(
        lambda: handler.blocked.is_set() or first.poll() is not None,
        "the worker to reach SMTP DATA",
    )
    assert first.poll() is None, (tmp_path / "worker-1.log").read_text()
    os.killpg(first.pid, signal.SIGKILL)  # the worker and its cron child
    first.wait(timeout=WAIT)
    handler.release.set()

    (row,) = outbox_rows()
    assert row.sent_at is None
    assert registration().state == RegistrationState.PENDING
    assert Job.fetch(row.job_id, connection=redis_client).get_status() == JobStatus.STARTED

    second = start_worker("worker-2", port)
    # The reconciler (every 5 min in production) finds the job "started" for too long.
    time_machine.move_to(datetime.now(UTC) + timedelta(minutes=5), tick=True)
    with app.app_context():
        assert reconcile_outbox() == 1

    wait_for(
        lambda: outbox_rows()[0].sent_at is not None or second.poll() is not None,
        "the fresh worker to send the mail",
    )
    assert second.poll() is None, (tmp_path / "worker-2.log").read_text()
    wait_for(
        lambda: Job.fetch(row.job_id, connection=redis_client).get_status() == JobStatus.FINISHED,
        "the job to finish",
    )

    assert len(handler.messages) == 1
    mail = handler.messages[0]
    assert mail["To"] == EMAIL
    code = code_from(mail)
    assert "heure de Paris" in text_of(mail)
    assert registration().state == RegistrationState.CODE_SENT
    assert activated_number(activate(app.test_client(), EMAIL, code)) is not None

    os.killpg(second.pid, signal.SIGTERM)
    second.wait(timeout=WAIT)
    logs = {name: (tmp_path / f"{name}.log").read_text() for name in ("worker-1", "worker-2")}
    assert "activation code handed to SMTP for h" in logs["worker-2"]
    for text in logs.values():
        assert EMAIL not in text
        for form in forms_of(code):
            assert form.decode() not in text
