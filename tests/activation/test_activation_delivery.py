"""Sending the code at least once and, in practice, once: idempotent jobs, the "handed"
marker, SMTP refusals retried on RQ's schedule, and the worker's console lines."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from rq import Queue
from rq.job import Job, JobStatus

from mailer import jobs
from mailer.devsink import _StoreHandler
from mailer.smtp import MailDeliveryError
from tests.activation.helpers import EMAIL, activate, activated_number, resend
from tests.support import WizardActions, code_from
from web.core.outbox import RETRY_INTERVALS
from web.models import RegistrationState

MASKED = "h" + "*" * (len("helene.lefevre") - 1) + "@example.com"
START = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def worker_log(caplog: pytest.LogCaptureFixture):
    """The worker's console lines (logger espace_pro.worker), as they are printed."""
    caplog.set_level(logging.DEBUG, logger="espace_pro.worker")

    def lines() -> list[str]:
        return [
            record.getMessage() for record in caplog.records if record.name == "espace_pro.worker"
        ]

    return lines


@pytest.fixture
def refusing_smtp(monkeypatch: pytest.MonkeyPatch):
    """Make the SMTP server answer DATA with a temporary refusal, `times` times."""
    original = _StoreHandler.handle_DATA
    state = {"left": 0, "refused": 0}

    async def handle_data(self, server, session, envelope):
        if state["left"]:
            state["left"] -= 1
            state["refused"] += 1
            return "451 4.3.0 try later"
        return await original(self, server, session, envelope)

    monkeypatch.setattr(_StoreHandler, "handle_DATA", handle_data)

    def refuse(times: int) -> dict:
        state["left"] = times
        return state

    return refuse


# --- at least once, in practice once ---------------------------------------------------------


def test_job_run_again_after_success_sends_no_second_mail(
    app, wizard, run_worker, outbox, registration, redis_client
):
    wizard.complete()
    space = registration()

    with app.app_context():
        first = jobs.send_activation_code(space.id)
        second = jobs.send_activation_code(space.id)
    run_worker()  # the job the confirmation enqueued: a third delivery of the same job

    assert (first, second) == ("sent", "already sent")
    assert len(outbox) == 1
    code = code_from(outbox[0])
    assert registration().state == RegistrationState.CODE_SENT
    assert activated_number(activate(app.test_client(), EMAIL, code)) is not None


def test_crash_after_the_hand_off_does_not_send_a_second_mail_on_retry(
    app,
    time_machine,
    wizard,
    run_worker,
    outbox,
    registration,
    outbox_rows,
    monkeypatch,
    enqueue_due_jobs,
    mail_queue,
):
    time_machine.move_to(START, tick=True)
    original = jobs._mark_code_sent
    calls = []

    def crash_first_time(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("worker lost its database connection")
        return original(*args, **kwargs)

    monkeypatch.setattr(jobs, "_mark_code_sent", crash_first_time)
    wizard.complete()
    run_worker()

    # The mail went out, but nothing recorded it: the job failed and waits for its retry.
    assert len(outbox) == 1
    (row,) = outbox_rows()
    assert row.sent_at is None
    assert registration().state == RegistrationState.PENDING
    assert Job.fetch(row.job_id, connection=mail_queue.connection).get_status() == (
        JobStatus.SCHEDULED
    )

    time_machine.shift(timedelta(seconds=RETRY_INTERVALS[0] + 1))
    assert enqueue_due_jobs() == 1
    run_worker()

    assert len(outbox) == 1
    assert len(calls) == 2
    (row,) = outbox_rows()
    assert row.sent_at is not None
    assert registration().state == RegistrationState.CODE_SENT
    assert Job.fetch(row.job_id, connection=mail_queue.connection).get_status() == (
        JobStatus.FINISHED
    )
    assert activated_number(activate(app.test_client(), EMAIL, code_from(outbox[0])))


def run_production_worker(app) -> None:
    """worker.py's worker class, one app context for all jobs as worker.py runs it."""
    from worker import SessionPerJobWorker

    connection = app.extensions["redis"]
    queues = [Queue(name, connection=connection) for name in ("mail", "maintenance")]
    with app.app_context():
        SessionPerJobWorker(queues, connection=connection).work(burst=True, logging_level="WARNING")


def test_database_failure_in_one_job_does_not_break_the_next_job_of_the_worker(
    app, outbox, registration, monkeypatch
):
    # Two confirmations; the first job's commit fails for real (a flush error leaves the
    # session needing a rollback). The worker keeps running: the next job must still work.
    WizardActions(app.test_client()).complete(email="helene.lefevre@example.com")
    WizardActions(app.test_client()).complete(email="marc.durand@example.com")
    original = jobs._mark_code_sent
    calls = []

    def failing_flush(registration_row, rows, handed_at):
        calls.append(registration_row.id)
        if len(calls) == 1:
            registration_row.subscriber_number = "x" * 40  # too long: PostgreSQL refuses
            registration_row.terms_version = None  # NOT NULL: every database refuses
        return original(registration_row, rows, handed_at)

    monkeypatch.setattr(jobs, "_mark_code_sent", failing_flush)

    run_production_worker(app)

    assert len(outbox) == 2
    assert registration("marc.durand@example.com").state == RegistrationState.CODE_SENT
    assert registration("helene.lefevre@example.com").state == RegistrationState.PENDING


# --- SMTP refusals ----------------------------------------------------------------------------


def test_smtp_refusal_schedules_a_retry_in_30_seconds_then_the_mail_arrives_once(
    app,
    time_machine,
    wizard,
    run_worker,
    outbox,
    registration,
    outbox_rows,
    refusing_smtp,
    enqueue_due_jobs,
    mail_queue,
    worker_log,
):
    time_machine.move_to(START, tick=True)
    refusals = refusing_smtp(1)
    wizard.complete()

    run_worker()

    assert refusals["refused"] == 1
    assert outbox == []
    (row,) = outbox_rows()
    assert row.attempts == 1 and "451" in row.last_error and row.failed_at is None
    assert registration().state == RegistrationState.PENDING
    registry = mail_queue.scheduled_job_registry
    assert registry.get_job_ids() == [row.job_id]
    delay = registry.get_scheduled_time(row.job_id) - datetime.now(UTC)
    assert timedelta(seconds=25) < delay <= timedelta(seconds=30)
    assert (
        f"activation_code to {MASKED} failed (SMTP refused the mail (SMTPDataError 451)); "
        "retry 1/5 in 30s" in worker_log()
    )

    run_worker()  # not due yet: nothing happens
    assert outbox == []

    time_machine.shift(timedelta(seconds=31))
    assert enqueue_due_jobs() == 1
    run_worker()

    assert len(outbox) == 1
    assert registration().state == RegistrationState.CODE_SENT
    assert registry.get_job_ids() == []
    assert activated_number(activate(app.test_client(), EMAIL, code_from(outbox[0])))


def test_after_every_retry_fails_the_space_is_mail_failed_and_a_resend_works(
    app,
    client,
    time_machine,
    wizard,
    run_worker,
    run_retries,
    outbox,
    registration,
    outbox_rows,
    refusing_smtp,
    mail_queue,
    worker_log,
):
    time_machine.move_to(START, tick=True)
    refusals = refusing_smtp(len(RETRY_INTERVALS) + 1)
    wizard.complete()

    run_worker()
    run_retries()

    assert refusals["refused"] == len(RETRY_INTERVALS) + 1
    assert outbox == []
    space = registration()
    assert space.state == RegistrationState.MAIL_FAILED
    (row,) = outbox_rows()
    assert row.failed_at is not None and row.sent_at is None
    assert row.attempts == len(RETRY_INTERVALS) + 1
    assert Job.fetch(row.job_id, connection=mail_queue.connection).get_status() == (
        JobStatus.FAILED
    )
    assert mail_queue.scheduled_job_registry.get_job_ids() == []
    lines = worker_log()
    assert [line.rsplit("; ", 1)[1] for line in lines if "; retry " in line] == [
        "retry 1/5 in 30s",
        "retry 2/5 in 120s",
        "retry 3/5 in 600s",
        "retry 4/5 in 1800s",
        "retry 5/5 in 3600s",
    ]
    assert (
        f"activation_code to {MASKED} failed for good (SMTP refused the mail "
        f"(SMTPDataError 451)): registration {space.id} needs a resend"
    ) in lines

    # SMTP accepts again; the person clicks « Renvoyer le code ».
    resend(client)
    run_worker()

    assert len(outbox) == 1
    assert registration().state == RegistrationState.CODE_SENT
    assert activated_number(activate(app.test_client(), EMAIL, code_from(outbox[0])))


def test_last_attempt_without_retries_left_marks_the_space_mail_failed(
    app, wizard, registration, refusing_smtp, outbox
):
    # Called outside RQ (no current job): there are no retries left.
    refusing_smtp(1)
    wizard.complete()

    with app.app_context(), pytest.raises(MailDeliveryError):
        jobs.send_activation_code(registration().id)

    assert outbox == []
    assert registration().state == RegistrationState.MAIL_FAILED


@pytest.mark.app_config(MAIL_PORT=1)  # nothing listens there
def test_smtp_server_down_is_retried_like_a_refusal(
    wizard, run_worker, outbox, registration, outbox_rows, mail_queue
):
    wizard.complete()

    run_worker()

    (row,) = outbox_rows()
    assert "SMTP refused the mail" in row.last_error
    assert mail_queue.scheduled_job_registry.get_job_ids() == [row.job_id]
    assert registration().state == RegistrationState.PENDING


# --- the worker's console -----------------------------------------------------------------------


def test_worker_prints_the_hand_off_with_a_masked_address(
    wizard, run_worker, registration, worker_log
):
    wizard.complete()

    run_worker()

    assert (
        f"activation code handed to SMTP for {MASKED} (registration {registration().id})"
        in worker_log()
    )
    assert not [line for line in worker_log() if EMAIL in line]


def test_worker_prints_no_full_address_when_mails_fail(
    time_machine, wizard, run_worker, refusing_smtp, run_retries, worker_log
):
    time_machine.move_to(START, tick=True)
    refusing_smtp(len(RETRY_INTERVALS) + 1)
    wizard.complete()
    run_worker()
    run_retries(check_due=False)

    lines = worker_log()
    assert any("failed for good" in line for line in lines)
    assert not [line for line in lines if EMAIL in line or "helene.lefevre@" in line]
