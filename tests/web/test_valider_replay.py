"""« Valider » commits the row with its job's id before the job exists (issue 17): the same
« Valider » sent again after a lost answer enqueues the job Redis does not hold, and never a
second one (a job being sent by a draining job included); a job Redis refuses leaves the
row reading as never enqueued, for the reconciler.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import redis
from rq import Queue
from rq.job import Job
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from mailer.jobs import _TAKE_JOBS, TAKEN_JOB_SECONDS
from mailer.maintenance import reconcile_outbox
from tests.support import EMAIL
from tests.web.sql_counts import sql_counted
from web.extensions import db
from web.models import MailOutbox
from web.registration import wizard as wizard_store


def drain_take(queue: Queue, job_ids: list[str]) -> list[str]:
    """What a draining job does to the jobs it takes (mailer/jobs.py's script)."""
    taken = queue.connection.eval(
        _TAKE_JOBS, 1, queue.key, Job.redis_job_namespace_prefix, TAKEN_JOB_SECONDS, *job_ids
    )
    return [job_id.decode() for job_id in taken]


def valider(client, token: str):
    return client.post("/inscription/confirmation", data={"csrf_token": token})


def test_a_job_lost_between_the_commit_and_the_enqueue_is_enqueued_once_by_the_replay(
    app, client, valider_token, rows, mail_queue, run_worker, outbox
):
    def crash(session) -> None:  # the process dies once the row is committed
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    event.listen(db.session, "after_commit", crash, once=True)
    first = valider(client, valider_token)

    assert first.status_code == 503
    (owed,) = rows(MailOutbox)
    # Committed as enqueued, but no job: only Redis can tell.
    assert owed.enqueued_at is not None and owed.job_id == f"outbox-{owed.id}"
    assert mail_queue.count == 0

    with sql_counted(app) as counts:
        again = valider(client, valider_token)

    assert again.headers["Location"] == "/inscription/attente"
    assert mail_queue.job_ids == [f"outbox-{owed.id}"]
    # The address, its owed rows, the job recorded: the registration is not read back.
    assert (counts["SELECT"], counts["commits"]) == (2, 1)
    run_worker()
    assert [mail["To"] for mail in outbox] == [EMAIL]


def test_a_replay_while_a_draining_job_sends_the_code_enqueues_no_second_job(
    client, valider_token, rows, mail_queue, monkeypatch
):
    """A job that drains the queue takes the row's job out of it and keeps its record while
    it sends the code (mailer/jobs.py): a replay then must not enqueue another (a review of
    issue 17: a second job would mail a second code)."""

    def redis_lost(*args, **kwargs):  # after the enqueue, before the answer
        monkeypatch.undo()
        raise redis.exceptions.ConnectionError("Redis went away")

    monkeypatch.setattr(wizard_store, "discard_draft", redis_lost)
    assert valider(client, valider_token).status_code == 503
    (owed,) = rows(MailOutbox)
    with client.application.app_context():
        taken = drain_take(mail_queue, [f"outbox-{owed.id}"])
    assert taken == [f"outbox-{owed.id}"] and mail_queue.count == 0

    again = valider(client, valider_token)

    assert again.headers["Location"] == "/inscription/attente"
    assert mail_queue.count == 0


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
