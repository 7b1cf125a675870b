"""A code that was mailed survives a failover: with a replica, the worker hands a code to
SMTP only once the replica holds it (WAIT), and an activation claims a code only once the
replica holds the claim. A real master and a real replica; "stopped" is SIGSTOP (the
replica stays connected to the master, which keeps counting it, but acknowledges nothing).
And a write that reaches a replica (a master turned replica by a failover) is the French
503 page, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.activation.helpers import activate, activated_number
from tests.ha.servers import RedisProcess, wait_until_replicating
from tests.support import code_from
from web.core.outbox import RETRY_INTERVALS
from web.core.secrets import codes
from web.extensions import db
from web.models import Registration, RegistrationState

START = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
EMAIL = "replicated.code@example.com"
UNAVAILABLE = "Le service est momentanément indisponible"


@pytest.fixture
def master(tmp_path):
    server = RedisProcess(tmp_path / "master")
    server.start("--port", str(server.port))
    yield server
    server.stop()


@pytest.fixture
def replica(tmp_path, master):
    server = RedisProcess(tmp_path / "replica")
    server.start("--port", str(server.port), "--replicaof", "127.0.0.1", str(master.port))
    wait_until_replicating(master.client())
    yield server
    server.stop()


@pytest.fixture
def app_config(app_config, master, replica):
    app_config.update(
        REDIS_URL=f"redis://127.0.0.1:{master.port}/0",
        # As in production: an error answers its page instead of reaching the test.
        PROPAGATE_EXCEPTIONS=False,
    )
    return app_config


def registration(app) -> Registration:
    with app.app_context():
        found = db.session.scalar(select(Registration))
        db.session.expunge_all()
        return found


def test_no_code_is_mailed_while_the_replica_does_not_acknowledge_it(
    app,
    time_machine,
    wizard,
    run_worker,
    enqueue_due_jobs,
    outbox,
    outbox_rows,
    replica,
    mail_queue,
):
    time_machine.move_to(START, tick=True)
    wizard.complete(email=EMAIL)
    replica.freeze()
    try:
        run_worker()

        assert outbox == []
        (row,) = outbox_rows()
        assert row.sent_at is None and row.failed_at is None
        assert registration(app).state == RegistrationState.PENDING
        # Retried on the mail's own schedule.
        assert mail_queue.scheduled_job_registry.get_job_ids() == [row.job_id]
    finally:
        replica.thaw()

    time_machine.shift(timedelta(seconds=RETRY_INTERVALS[0] + 1))
    assert enqueue_due_jobs() == 1
    run_worker()

    (mail,) = outbox
    assert mail["To"] == EMAIL
    assert registration(app).state == RegistrationState.CODE_SENT
    # The code mailed is on the replica: a failover now would not lose it.
    digest = replica.client().get(codes.CODE_KEY.format(registration(app).id))
    assert digest is not None
    time_machine.shift(timedelta(hours=2))
    enqueue_due_jobs()
    run_worker()
    assert len(outbox) == 1
    assert activated_number(activate(app.test_client(), EMAIL, code_from(mail)))


def test_an_activation_the_replica_does_not_acknowledge_is_a_503_and_the_code_still_works(
    app, client, wizard, run_worker, outbox, replica
):
    wizard.complete(email=EMAIL)
    run_worker()
    code = code_from(outbox[0])

    replica.freeze()
    try:
        refused = activate(client, EMAIL, code)
    finally:
        replica.thaw()

    assert refused.status_code == 503
    assert UNAVAILABLE in refused.get_data(as_text=True)
    assert registration(app).state == RegistrationState.CODE_SENT
    # Not consumed: the same code activates the space once the replica is back.
    page = activate(client, EMAIL, code)
    assert activated_number(page) is not None
    assert registration(app).state == RegistrationState.ACTIVE


def test_a_write_refused_by_a_replica_is_the_503_page_not_a_500(app_config, replica, wizard):
    from web import create_app

    # The app pointed at what is now a replica (a failover the client has not seen yet):
    # every write answers READONLY, retried with backoff, then given up. Step 1's page
    # writes the wizard's draft.
    app = create_app({**app_config, "REDIS_URL": f"redis://127.0.0.1:{replica.port}/0"})
    try:
        response = app.test_client().get("/inscription/etape-1")
    finally:
        app.extensions["redis"].close()

    assert response.status_code == 503
    assert UNAVAILABLE in response.get_data(as_text=True)
