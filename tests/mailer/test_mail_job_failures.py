"""A mail that can never go (an address from before the forms refused non-ASCII local
parts, a template or header error) ends as a recorded failure at its first attempt: the
reason on its outbox row, no retry, the reconciler leaves it alone, the address's daily
mail given back, and the worker keeps working (issue 13, point 4; docs/RESILIENCE.md)."""

from __future__ import annotations

import logging

import pytest
from rq.job import Job, JobStatus

from mailer import daily_cap, jobs
from mailer.maintenance import reconcile_outbox
from tests.factories import create_registration
from web.core.outbox import send_mail
from web.extensions import db, redis_store
from web.models import MailKind, Registration, RegistrationState

# Stored before the forms refused them: accented, Cyrillic and fullwidth local parts.
UNSENDABLE = ["jöhn@example.com", "иван@example.com", "ｊｏｈｎ@example.com"]
SENDABLE = "marc.durand@example.com"


@pytest.fixture
def worker_log(caplog: pytest.LogCaptureFixture):
    """The worker's console records (loggers espace_pro.worker and rq.worker)."""
    caplog.set_level(logging.INFO)
    return lambda: [record for record in caplog.records if record.name.endswith(".worker")]


def owe(app, email: str, kind: MailKind, state: str = RegistrationState.PENDING) -> int:
    """A registration at `email`, owed a mail of `kind`, its job enqueued; return its id."""
    registration_id = create_registration(app, state, email=email)
    with app.app_context():
        assert send_mail(db.session.get(Registration, registration_id), kind)
    return registration_id


def mails_counted_today(app, address: str) -> int:
    with app.app_context():
        return int(redis_store.connection.get(daily_cap._key(address)) or 0)


def assert_failed_for_good(app, outbox_rows, registration_id: int, mail_queue, reason: str):
    (row,) = [row for row in outbox_rows() if row.registration_id == registration_id]
    assert row.sent_at is None and row.failed_at is not None
    assert row.attempts == 1
    assert reason in row.last_error
    job = Job.fetch(row.job_id, connection=mail_queue.connection)
    assert job.get_status() == JobStatus.FAILED
    assert row.job_id not in mail_queue.scheduled_job_registry.get_job_ids()
    with app.app_context():
        assert reconcile_outbox() == 0


@pytest.mark.parametrize("email", UNSENDABLE)
def test_an_activation_code_to_a_non_ascii_local_part_fails_once_and_is_recorded(
    app, run_worker, outbox, outbox_rows, mail_queue, worker_log, email
):
    failing = owe(app, email, MailKind.ACTIVATION_CODE)
    working = owe(app, SENDABLE, MailKind.ACTIVATION_CODE)

    run_worker()

    assert_failed_for_good(app, outbox_rows, failing, mail_queue, "cannot be encoded for SMTP")
    with app.app_context():
        assert db.session.get(Registration, failing).state == RegistrationState.MAIL_FAILED
        assert db.session.get(Registration, working).state == RegistrationState.CODE_SENT
    assert mails_counted_today(app, email) == 0
    assert mails_counted_today(app, SENDABLE) == 1
    assert [mail["To"] for mail in outbox] == [SENDABLE]
    # One line says it, without the address in clear nor a traceback.
    lines = [record.getMessage() for record in worker_log()]
    assert not [line for line in lines if "Traceback" in line]
    assert not [line for line in lines if email in line]


def test_a_capped_notice_to_a_non_ascii_local_part_fails_once_and_is_recorded(
    app, run_worker, outbox, outbox_rows, mail_queue
):
    email = UNSENDABLE[0]
    failing = owe(app, email, MailKind.ALREADY_REGISTERED, RegistrationState.ACTIVE)

    run_worker()

    assert_failed_for_good(app, outbox_rows, failing, mail_queue, "cannot be encoded for SMTP")
    assert mails_counted_today(app, email) == 0
    assert outbox == []


def test_any_error_while_writing_the_mail_is_recorded_with_its_kind_and_not_retried(
    app, run_worker, outbox, outbox_rows, mail_queue, monkeypatch, worker_log
):
    def broken_template(*args, **kwargs):
        raise KeyError("a template bug")

    monkeypatch.setattr(jobs, "render_mail", broken_template)
    failing = owe(app, SENDABLE, MailKind.ACTIVATION_CODE)

    run_worker()

    assert_failed_for_good(app, outbox_rows, failing, mail_queue, "KeyError")
    with app.app_context():
        assert db.session.get(Registration, failing).state == RegistrationState.MAIL_FAILED
    assert mails_counted_today(app, SENDABLE) == 0
    assert outbox == []
    # An unexpected error keeps its one traceback, for whoever fixes the bug.
    lines = [record.getMessage() for record in worker_log()]
    assert len([line for line in lines if "Traceback" in line]) == 1
