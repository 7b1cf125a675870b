"""« Valider » commits the row with its job's id before the job exists (issue 17): the same
« Valider » sent again after a lost answer enqueues the job Redis does not hold, and never a
second one; a job Redis refuses leaves the row reading as never enqueued, for the reconciler.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import redis
from rq import Queue
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from mailer.maintenance import reconcile_outbox
from tests.support import EMAIL, csrf_token
from tests.web.sql_counts import sql_counted
from web.extensions import db
from web.models import MailOutbox
from web.registration import wizard as wizard_store


@pytest.fixture
def valider_token(client, wizard) -> str:
    """The confirmation form's token, the three steps done."""
    wizard.accept_terms()
    wizard.credentials()
    wizard.profile()
    return csrf_token(client.get("/inscription/confirmation").get_data(as_text=True))


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
