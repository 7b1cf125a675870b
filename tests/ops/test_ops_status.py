"""`flask ops status`: registrations by state, queue depths, retries and failures, the oldest
owed mail — after real sign-ups, with addresses masked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.ops.helpers import EMAIL, MASKED, SECOND_EMAIL
from web.extensions import db

START = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
REFUSED = "SMTP refused the mail (SMTPDataError 451)"


def test_status_counts_sign_ups_by_state_and_the_mail_queue(
    console, sign_up, run_worker, time_machine
):
    time_machine.move_to(START, tick=False)
    sign_up(EMAIL, send=False)
    time_machine.shift(timedelta(minutes=3))
    sign_up(SECOND_EMAIL, send=False)

    before = console.json("status")
    run_worker()
    after = console.json("status")

    assert before["registrations"] == {
        "pending": 2,
        "code_sent": 0,
        "mail_failed": 0,
        "active": 0,
        "expired": 0,
    }
    assert before["queues"]["mail"] == {
        "queued": 2,
        "scheduled": 0,
        "started": 0,
        "failed": 0,
        "deferred": 0,
    }
    assert before["owed_mails"] == 2
    oldest = before["oldest_pending_mail"]
    assert (oldest["outbox_id"], oldest["address"], oldest["kind"]) == (
        1,
        MASKED,
        "activation_code",
    )
    assert (oldest["created_at"], oldest["age_seconds"]) == ("2026-05-04T09:00:00Z", 180)
    assert (oldest["job_id"], oldest["job_status"]) == ("outbox-1", "queued")

    assert after["registrations"]["code_sent"] == 2 and after["registrations"]["pending"] == 0
    assert after["queues"]["mail"]["queued"] == 0
    assert (after["owed_mails"], after["oldest_pending_mail"]) == (0, None)


def test_status_text_is_aligned_and_masks_the_address(console, sign_up):
    sign_up(EMAIL, send=False)

    result = console.run("status")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "  pending      1" in lines
    assert "  mail              1          0        0       0         0" in lines
    assert f"  registration  1 ({MASKED})" in lines
    assert EMAIL not in result.output


def test_status_shows_the_scheduled_retry_then_the_failed_job(
    console, sign_up, smtp, time_machine, run_worker, fail_for_good
):
    time_machine.move_to(START, tick=True)
    smtp.refuse()
    sign_up(EMAIL, send=False)
    run_worker()  # SMTP refuses: the first retry waits 30 s

    retrying = console.json("status")
    fail_for_good()
    failed = console.json("status")

    assert retrying["queues"]["mail"]["scheduled"] == 1
    (job,) = retrying["scheduled_jobs"]
    assert (job["id"], job["function"], job["retries_left"]) == (
        "outbox-1",
        "mailer.jobs.send_activation_code",
        4,
    )
    assert job["at"].startswith("2026-05-04T09:00:")
    assert retrying["oldest_pending_mail"]["last_error"] == REFUSED
    assert retrying["failed_jobs"] == []

    assert failed["registrations"]["mail_failed"] == 1
    assert failed["queues"]["mail"]["failed"] == 1 and failed["scheduled_jobs"] == []
    (job,) = failed["failed_jobs"]
    assert (job["id"], job["queue"]) == ("outbox-1", "mail")
    assert job["error"] == f"mailer.smtp.MailDeliveryError: {REFUSED}"
    # Failed for good, the mail is no longer owed: the operator resends or requeues it.
    assert failed["owed_mails"] == 0


def test_status_counts_the_workers_registered_on_redis(console, app, redis_client):
    from rq import Queue, Worker

    assert console.json("status")["workers"] == 0
    worker = Worker([Queue("mail", connection=redis_client)], connection=redis_client)
    worker.register_birth()
    try:
        assert console.json("status")["workers"] == 1
    finally:
        worker.register_death()


def test_status_with_redis_down_says_so_in_one_line(app, app_config):
    from mailer.devsink import free_port
    from web import create_app

    closed = create_app({**app_config, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})

    result = closed.test_cli_runner().invoke(args=["ops", "status"])
    closed.extensions["redis"].close()
    with closed.app_context():
        db.engine.dispose()

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Redis is unreachable (")
    assert "Traceback" not in result.output


def test_status_on_a_database_without_its_tables_says_so(app_config, tmp_path):
    from web import create_app

    empty = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/none.db"})

    result = empty.test_cli_runner().invoke(args=["ops", "status"])
    with empty.app_context():
        db.engine.dispose()

    assert result.exit_code == 1
    assert result.stderr == "Error: the database cannot be read (no such table: registration).\n"
