"""« Valider » commits the row with its job's id before the job exists (issue 17): the same
« Valider » sent again after a lost answer never enqueues a second job; a job Redis refuses
leaves the row reading as never enqueued (the replay or the reconciler enqueues it), and a
job lost in a crash after the commit is the reconciler's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import redis
from rq import Queue
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from mailer.maintenance import reconcile_outbox
from tests.support import EMAIL
from tests.web.sql_counts import sql_counted
from web.extensions import db
from web.models import MailOutbox
from web.registration import wizard as wizard_store


def valider(client, token: str):
    return client.post("/inscription/confirmation", data={"csrf_token": token})


def test_a_job_lost_between_the_commit_and_the_enqueue_is_the_reconcilers(
    app, client, valider_token, rows, mail_queue, run_worker, outbox, time_machine
):
    """The replay enqueues nothing for a row written as enqueued: a running job may have
    taken its job to send it (a drain), and a second one would mail a second code."""

    def crash(session) -> None:  # the process dies once the row is committed
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    event.listen(db.session, "after_commit", crash, once=True)
    first = valider(client, valider_token)

    assert first.status_code == 503
    (owed,) = rows(MailOutbox)
    assert owed.enqueued_at is not None and owed.job_id == f"outbox-{owed.id}"
    assert mail_queue.count == 0

    with sql_counted(app) as counts:
        again = valider(client, valider_token)

    assert again.headers["Location"] == "/inscription/attente"
    assert mail_queue.count == 0
    # The address and its owed rows: the registration is not read back, nothing written.
    assert (counts["SELECT"], counts["commits"]) == (2, 0)
    time_machine.move_to(datetime.now(UTC) + timedelta(seconds=61), tick=True)
    with app.app_context():
        assert reconcile_outbox() == 1
    assert mail_queue.job_ids == [f"outbox-{owed.id}"]
    run_worker()
    assert [mail["To"] for mail in outbox] == [EMAIL]


def test_a_replay_whose_job_exists_enqueues_no_second_job(
    client, valider_token, rows, mail_queue, monkeypatch
):
    def redis_lost(*args, **kwargs):  # after the enqueue, before the answer
        monkeypatch.undo()
        raise redis.exceptions.ConnectionError("Redis went away")

    monkeypatch.setattr(wizard_store, "discard_draft", redis_lost)
    first = valider(client, valider_token)
    assert first.status_code == 503
    (owed,) = rows(MailOutbox)
    assert mail_queue.job_ids == [f"outbox-{owed.id}"]

    again = valider(client, valider_token)

    assert again.headers["Location"] == "/inscription/attente"
    assert mail_queue.job_ids == [f"outbox-{owed.id}"]  # pushed once: one job, one mail


def test_a_job_redis_refuses_leaves_the_row_unenqueued_for_the_reconciler(
    app, client, valider_token, rows, mail_queue, monkeypatch, time_machine, run_worker, outbox
):
    def refused(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Redis refused the job")

    monkeypatch.setattr(Queue, "enqueue", refused)
    response = valider(client, valider_token)
    monkeypatch.undo()

    assert response.headers["Location"] == "/inscription/attente"
    (owed,) = rows(MailOutbox)
    assert (owed.job_id, owed.enqueued_at) == (None, None)
    assert mail_queue.count == 0
    time_machine.move_to(datetime.now(UTC) + timedelta(seconds=61), tick=True)
    with app.app_context():
        assert reconcile_outbox() == 1
    (owed,) = rows(MailOutbox)
    assert owed.job_id == f"outbox-{owed.id}" and owed.enqueued_at is not None
    run_worker()
    assert [mail["To"] for mail in outbox] == [EMAIL]
