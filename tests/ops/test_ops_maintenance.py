"""`flask ops purge-expired`, `reconcile` and `requeue-failed`: the worker's maintenance, on
demand, and failed mails sent once SMTP is back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.activation.helpers import activate, activated_number, mails_to
from tests.ops.helpers import EMAIL, SECOND_EMAIL
from tests.support import code_from
from web.core.outbox import RETRY_INTERVALS
from web.core.subscribers import PERSONAL_COLUMNS
from web.models import MailOutbox, Registration

START = datetime(2026, 6, 2, 14, 0, tzinfo=UTC)


def test_purge_expired_erases_spaces_left_48_hours_unactivated(
    console, sign_up, time_machine, rows
):
    time_machine.move_to(START, tick=True)
    sign_up(EMAIL)
    time_machine.shift(timedelta(hours=24))
    sign_up(SECOND_EMAIL)
    time_machine.shift(timedelta(hours=24, minutes=1))

    result = console.json("purge-expired")

    assert result == {"expired": 1}
    gone, kept = rows(Registration)
    assert gone.state == "expired" and gone.expired_at is not None
    for column in PERSONAL_COLUMNS:
        assert getattr(gone, column) is None, column
    assert (kept.state, kept.email) == ("code_sent", SECOND_EMAIL)
    assert console.json("status")["registrations"]["expired"] == 1
    assert console.run("find", EMAIL).exit_code == 1


def test_purge_expired_text(console, sign_up):
    sign_up(EMAIL)

    result = console.run("purge-expired")

    assert (result.exit_code, result.stdout) == (
        0,
        "Expired 0 registration(s) not activated in time.\n",
    )


def test_reconcile_enqueues_again_a_mail_whose_job_vanished(
    console, app, sign_up, time_machine, redis_client, mail_queue, run_worker, outbox
):
    time_machine.move_to(START, tick=True)
    sign_up(EMAIL, send=False)
    redis_client.flushdb()  # Redis restarted without its data: the job is gone
    time_machine.shift(timedelta(seconds=61))
    assert console.json("find", EMAIL)["outbox"][0]["job_status"] == "vanished"

    result = console.json("reconcile")

    assert result == {"requeued": 1}
    assert mail_queue.count == 1
    assert console.json("reconcile") == {"requeued": 0}  # alive now: left alone
    run_worker()
    assert [mail["To"] for mail in outbox] == [EMAIL]
    assert activated_number(activate(app.test_client(), EMAIL, code_from(outbox[0])))


def test_requeue_failed_sends_a_mail_that_failed_for_good_once_smtp_is_back(
    console, app, sign_up, smtp, fail_for_good, mail_queue, run_worker, outbox, rows, time_machine
):
    time_machine.move_to(START, tick=True)
    smtp.refuse()
    sign_up(EMAIL, send=False)
    fail_for_good()
    assert outbox == []
    smtp.accept()  # the SMTP server takes mails again

    result = console.json("requeue-failed")

    assert result == {
        "requeued": [
            {
                "id": "outbox-1",
                "queue": "mail",
                "outbox_id": 1,
                "function": "mailer.jobs.send_activation_code",
            }
        ],
        "skipped": [],
    }
    assert (mail_queue.count, mail_queue.failed_job_registry.count) == (1, 0)
    # A new round of retries, should SMTP stumble again.
    assert mail_queue.fetch_job("outbox-1").retries_left == len(RETRY_INTERVALS)
    (row,) = rows(MailOutbox)
    assert row.failed_at is None  # owed again
    run_worker()
    assert len(mails_to(outbox, EMAIL)) == 1
    assert [registration.state for registration in rows(Registration)] == ["code_sent"]
    assert activated_number(activate(app.test_client(), EMAIL, code_from(outbox[0])))


def test_requeue_failed_leaves_a_failed_mail_superseded_by_a_resend(
    console, sign_up, smtp, fail_for_good, mail_queue, run_worker, outbox, time_machine
):
    time_machine.move_to(START, tick=True)
    smtp.refuse()
    sign_up(EMAIL, send=False)
    fail_for_good()
    smtp.accept()
    console.json("resend", EMAIL)
    run_worker()
    (mail,) = outbox

    result = console.json("requeue-failed")

    assert result["requeued"] == []
    (skipped,) = result["skipped"]
    assert (skipped["id"], skipped["reason"]) == ("outbox-1", "superseded by outbox row 2")
    assert (mail_queue.count, mail_queue.failed_job_registry.count) == (0, 1)
    run_worker()
    assert outbox == [mail]  # the code the person received still works
