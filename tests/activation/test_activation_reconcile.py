"""A confirmed registration is never lost: when its job vanishes (Redis flushed) the reconciler
enqueues it again; a job that is alive is left alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rq.job import Job

from mailer.maintenance import reconcile_outbox
from tests.activation.helpers import EMAIL, activate, activated_number
from tests.support import code_from
from web.models import RegistrationState

START = datetime(2026, 7, 14, 12, 0, tzinfo=UTC)


def test_job_lost_with_redis_is_enqueued_again_and_sends_one_mail(
    app,
    time_machine,
    wizard,
    run_worker,
    outbox,
    redis_client,
    mail_queue,
    registration,
    outbox_rows,
):
    time_machine.move_to(START, tick=True)
    wizard.complete()
    redis_client.flushdb()  # Redis restarted without its data: the job is gone
    run_worker()
    assert outbox == []

    time_machine.shift(timedelta(seconds=61))
    with app.app_context():
        requeued = reconcile_outbox()

    assert requeued == 1
    assert mail_queue.count == 1
    (row,) = outbox_rows()
    assert Job.fetch(row.job_id, connection=redis_client).args == (row.registration_id,)
    run_worker()
    assert len(outbox) == 1
    assert registration().state == RegistrationState.CODE_SENT
    assert activated_number(activate(app.test_client(), EMAIL, code_from(outbox[0])))


def test_reconciler_leaves_a_row_younger_than_a_minute_alone(
    app, time_machine, wizard, redis_client, mail_queue
):
    time_machine.move_to(START, tick=True)
    wizard.complete()
    redis_client.flushdb()

    time_machine.shift(timedelta(seconds=30))
    with app.app_context():
        assert reconcile_outbox() == 0

    assert mail_queue.count == 0


def test_reconciler_does_not_enqueue_a_job_that_is_still_queued(
    app, time_machine, wizard, run_worker, outbox, mail_queue
):
    time_machine.move_to(START, tick=True)
    wizard.complete()
    assert mail_queue.count == 1

    time_machine.shift(timedelta(minutes=5))
    with app.app_context():
        requeued = reconcile_outbox()

    assert requeued == 0
    assert mail_queue.count == 1
    run_worker()
    assert len(outbox) == 1


def test_reconciler_does_not_enqueue_a_job_waiting_for_its_retry(
    app, time_machine, wizard, run_worker, outbox, mail_queue, monkeypatch
):
    from mailer.devsink import _StoreHandler

    async def refuse(self, server, session, envelope):
        return "451 4.3.0 try later"

    monkeypatch.setattr(_StoreHandler, "handle_DATA", refuse)
    time_machine.move_to(START, tick=True)
    wizard.complete()
    run_worker()
    assert len(mail_queue.scheduled_job_registry) == 1

    time_machine.shift(timedelta(seconds=61))
    with app.app_context():
        assert reconcile_outbox() == 0

    assert mail_queue.count == 0
    assert len(mail_queue.scheduled_job_registry) == 1


def test_reconciler_ignores_sent_mails(
    app, time_machine, sign_up, outbox, redis_client, mail_queue, run_worker
):
    time_machine.move_to(START, tick=True)
    sign_up()
    redis_client.flushdb()

    time_machine.shift(timedelta(minutes=5))
    with app.app_context():
        assert reconcile_outbox() == 0

    run_worker()
    assert len(outbox) == 1
