"""`flask ops resend ADDRESS`: owes one new code through the outbox and the queue, with the
limits of « Renvoyer le code »; refused, and said so, for a space that is active or gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rq.job import Job

from mailer.maintenance import expire_registrations
from tests.activation.helpers import activate, activated_number, mails_to
from tests.ops.helpers import EMAIL, MASKED
from tests.support import code_from
from web.models import MailOutbox, Registration

START = datetime(2026, 9, 1, 7, 0, tzinfo=UTC)


def test_resend_owes_one_new_code_that_replaces_the_old_one(
    console, app, sign_up, mail_queue, rows, run_worker, outbox, redis_client
):
    sign_up(EMAIL)
    old_code = code_from(outbox[0])

    result = console.json("resend", EMAIL)

    assert result == {
        "address": MASKED,
        "registration_id": 1,
        "outbox_id": 2,
        "kind": "activation_code",
        "job_id": "outbox-2",
    }
    assert mail_queue.count == 1
    assert Job.fetch("outbox-2", connection=redis_client).args == (1,)
    assert [row.sent_at is None for row in rows(MailOutbox)] == [False, True]
    assert len(outbox) == 1  # the console never sends: the worker does
    run_worker()
    (_, new_mail) = mails_to(outbox, EMAIL)
    assert code_from(new_mail) != old_code
    assert activated_number(activate(app.test_client(), EMAIL, code_from(new_mail)))


def test_resend_text_says_what_was_queued(console, sign_up):
    sign_up(EMAIL)

    result = console.run("resend", EMAIL)

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"New activation code owed to {MASKED} (registration 1): "
        "outbox row 2, job outbox-2 queued on 'mail'.\n"
    )


def test_resend_within_a_minute_is_refused_like_on_the_site(console, sign_up, mail_queue):
    sign_up(EMAIL)
    console.json("resend", EMAIL)

    refused = console.json("resend", EMAIL, exit_code=1)

    assert refused["error"].startswith("refused: a new code was asked for less than a minute")
    assert 0 < refused["retry_after_seconds"] <= 60
    assert mail_queue.count == 1


def test_resend_to_an_active_space_is_refused_and_owes_nothing(
    console, app, sign_up, outbox, rows, mail_queue
):
    sign_up(EMAIL)
    assert activated_number(activate(app.test_client(), EMAIL, code_from(outbox[0])))

    result = console.run("resend", EMAIL)

    assert result.exit_code == 1
    assert f"Error: refused: registration 1 ({MASKED}) is active" in result.stderr
    assert len(rows(MailOutbox)) == 1
    assert mail_queue.count == 0


def test_resend_to_an_expired_space_is_refused(
    console, app, sign_up, time_machine, rows, mail_queue
):
    time_machine.move_to(START, tick=True)
    sign_up(EMAIL)
    time_machine.shift(timedelta(hours=48, minutes=1))
    with app.app_context():
        assert expire_registrations() == 1

    refused = console.json("resend", EMAIL, exit_code=1)

    assert refused["error"].startswith("no registration for")
    assert [row.state for row in rows(Registration)] == ["expired"]
    assert len(rows(MailOutbox)) == 1
    assert mail_queue.count == 0
