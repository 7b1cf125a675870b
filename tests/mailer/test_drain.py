"""A mail job drains the activation codes owed and queued behind it (issue 17): one RQ job
sends them all, each still once, each with its hand-off mark and its rows settled; a mail
of the batch that SMTP refuses goes back to its own job (docs/PERFORMANCE.md)."""

from __future__ import annotations

import logging

import pytest
from rq.job import Job

from mailer import delivery, jobs
from mailer.delivery import HANDED_KEY
from mailer.maintenance import reconcile_outbox
from mailer.smtp import MailDeliveryError
from tests.factories import create_registration
from web.core.outbox import send_mail
from web.extensions import db, redis_store
from web.models import MailKind, Registration, RegistrationState

ADDRESSES = [f"batch.{index}@example.com" for index in range(5)]


def owe_codes(app, addresses: list[str]) -> list[int]:
    """Pending registrations owed their activation code, jobs enqueued as « Valider » does."""
    ids = []
    for email in addresses:
        registration_id = create_registration(app, RegistrationState.PENDING, email=email)
        with app.app_context():
            assert send_mail(
                db.session.get(Registration, registration_id), MailKind.ACTIVATION_CODE
            )
        ids.append(registration_id)
    return ids


def job_lines(caplog) -> list[str]:
    """The worker's one line per job run."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "espace_pro.worker"
        and record.getMessage().startswith("send_activation_code:")
    ]


def test_one_job_sends_every_queued_code_once(
    app, run_worker, outbox, outbox_rows, mail_queue, caplog
):
    caplog.set_level(logging.INFO)
    ids = owe_codes(app, ADDRESSES)

    run_worker()

    assert sorted(mail["To"] for mail in outbox) == ADDRESSES
    rows = outbox_rows()
    assert all(row.sent_at is not None and row.attempts == 1 for row in rows)
    with app.app_context():
        states = {db.session.get(Registration, rid).state for rid in ids}
        marks = [redis_store.connection.exists(HANDED_KEY.format(row.id)) for row in rows]
        assert reconcile_outbox() == 0  # nothing owed is left without its mail
    assert states == {RegistrationState.CODE_SENT}
    assert marks == [1] * len(ADDRESSES)  # a retry of any of them would not mail again
    # One job ran; the four others were taken out of the queue, unrun; their records last
    # a while (a replayed « Valider » sees them), then expire.
    assert [line.split(" in ")[0] for line in job_lines(caplog)] == ["send_activation_code: sent"]
    assert mail_queue.count == 0
    ttls = [mail_queue.connection.ttl(Job.key_for(row.job_id)) for row in rows[1:]]
    assert all(0 < ttl <= jobs.TAKEN_JOB_SECONDS for ttl in ttls)


@pytest.mark.app_config(MAIL_DRAIN_BATCH=2)
def test_a_batch_is_at_most_the_configured_size(app, run_worker, outbox, caplog):
    caplog.set_level(logging.INFO)
    owe_codes(app, ADDRESSES)

    run_worker()

    assert sorted(mail["To"] for mail in outbox) == ADDRESSES
    assert len(job_lines(caplog)) == 2  # 1 + 2, then 1 + 1


def test_a_code_smtp_refuses_in_a_batch_goes_back_to_its_own_job(
    app, run_worker, outbox, outbox_rows, monkeypatch
):
    ids = owe_codes(app, ADDRESSES)
    real_deliver = delivery.deliver
    refused = []

    def refuse_the_second_once(message):
        if message.recipients[0] == ADDRESSES[1] and not refused:
            refused.append(message.recipients[0])
            raise MailDeliveryError("451 try later")
        real_deliver(message)

    monkeypatch.setattr(delivery, "deliver", refuse_the_second_once)

    run_worker()

    assert refused == [ADDRESSES[1]]
    # Each address got its code once: the refused one from its own job, run again.
    assert sorted(mail["To"] for mail in outbox) == ADDRESSES
    rows = {row.registration_id: row for row in outbox_rows()}
    assert all(row.sent_at is not None and row.failed_at is None for row in rows.values())
    assert rows[ids[1]].attempts == 2
    assert rows[ids[1]].last_error == "451 try later"
    with app.app_context():
        assert reconcile_outbox() == 0


def test_without_queued_jobs_a_job_sends_its_own_code_only(app, outbox):
    (registration_id,) = owe_codes(app, ADDRESSES[:1])
    with app.app_context():
        assert jobs.drain_owed_codes() == 1  # its job waits in the queue: taken
        assert jobs.drain_owed_codes() == 0
        assert jobs.send_activation_code(registration_id) == "already sent"
    assert [mail["To"] for mail in outbox] == ADDRESSES[:1]


def test_a_space_activated_while_its_batch_runs_gets_no_code_and_stays_active(
    app, run_worker, outbox, monkeypatch
):
    """The batch reads its registrations once; each mail checks its state afresh (a
    review of issue 17: an activation since must not be answered with a new code)."""
    ids = owe_codes(app, ADDRESSES[:3])
    activated = ids[2]
    send_code = jobs._send_code

    def activated_meanwhile(registration_id, rows=None):
        if registration_id == ids[1]:  # while the batch runs, the third space is activated
            table = Registration.__table__
            with db.engine.begin() as connection:
                connection.execute(
                    table.update()
                    .where(table.c.id == activated)
                    .values(state=RegistrationState.ACTIVE)
                )
        return send_code(registration_id, rows)

    monkeypatch.setattr(jobs, "_send_code", activated_meanwhile)
    run_worker()

    assert sorted(mail["To"] for mail in outbox) == ADDRESSES[:2]
    with app.app_context():
        assert db.session.get(Registration, activated).state == RegistrationState.ACTIVE
