"""Behind PgBouncer in transaction pooling (DATABASE_POOL_MODE=transaction): a real
pgbouncer (Debian's, when installed) in front of the test's PostgreSQL, one server
connection for every client, so that clients' transactions interleave on it: with the
setting, psycopg prepares nothing, the worker's synchronous_commit=off stays in its own
transactions, and whole sign-ups go through. Skipped without PostgreSQL (DATABASE_URL) or
pgbouncer."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from mailer.devsink import free_port
from tests.activation.helpers import activate, activated_number
from tests.support import WizardActions, code_from
from web.config import engine_options
from web.extensions import db
from web.models import Registration, RegistrationState
from worker import commit_without_waiting, no_commit_wait

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
DATABASE_URL = os.environ.get("DATABASE_URL", "")

pytestmark = [
    pytest.mark.skipif(
        not DATABASE_URL.startswith("postgresql"), reason="needs PostgreSQL (DATABASE_URL)"
    ),
    pytest.mark.skipif(not os.path.exists(PGBOUNCER), reason="pgbouncer is not installed"),
]


@pytest.fixture
def bouncer() -> str:
    """pgbouncer, transaction pooling, ONE server connection; its URL (same user, db)."""
    target = make_url(DATABASE_URL)
    port = free_port()
    # pgbouncer refuses to run as root: run it as nobody, from a folder nobody can read.
    folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    folder.chmod(0o755)
    user = target.username or "postgres"
    (folder / "users.txt").write_text(f'"{user}" "{target.password or ""}"\n')
    (folder / "pgbouncer.ini").write_text(
        f"""[databases]
espace = host={target.host or "127.0.0.1"} port={target.port or 5432} dbname={target.database}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "users.txt"}
pool_mode = transaction
default_pool_size = 1
max_client_conn = 100
ignore_startup_parameters = extra_float_digits
"""
    )
    command = [PGBOUNCER, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "nobody", "--", *command]
    process = subprocess.Popen(  # noqa: S603 - fixed executable and arguments
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    url = target.set(host="127.0.0.1", port=port, database="espace").render_as_string(
        hide_password=False
    )
    probe = create_engine(url, connect_args={"prepare_threshold": None})
    deadline = time.monotonic() + 10
    try:
        while True:
            try:
                with probe.connect() as connection:
                    connection.execute(text("SELECT 1"))
                break
            except DBAPIError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(process.stderr.read().decode()) from None
                time.sleep(0.1)
        yield url
    finally:
        probe.dispose()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        process.stderr.close()
        shutil.rmtree(folder, ignore_errors=True)


def engine_for(url: str, mode: str, **extra):
    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "DATABASE_CONNECT_TIMEOUT": 5,
        "DATABASE_POOL_MODE": mode,
        "DATABASE_POOL_SIZE": 1,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        **extra,
    }
    return create_engine(url, **engine_options(config))


def test_the_workers_transactions_skip_the_flush_wait_and_leave_the_server_connection_clean(
    bouncer,
):
    options = no_commit_wait(bouncer, "transaction")
    worker = engine_for(bouncer, "transaction", **options)
    web = engine_for(bouncer, "transaction")
    commit_without_waiting(worker)
    try:
        with worker.begin() as connection:
            assert connection.execute(text("SHOW synchronous_commit")).scalar_one() == "off"
        # The same server connection (one in the pool), next handed to the web: untouched.
        with web.begin() as connection:
            assert connection.execute(text("SHOW synchronous_commit")).scalar_one() == "on"
    finally:
        worker.dispose()
        web.dispose()


@pytest.fixture
def app_config(app_config, bouncer):
    app_config.update(
        SQLALCHEMY_DATABASE_URI=bouncer, DATABASE_POOL_MODE="transaction", DATABASE_POOL_SIZE=2
    )
    return app_config


def test_sign_ups_and_activations_go_through_pgbouncer(app, client, wizard, outbox, run_worker):
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["prepare_threshold"] is None
    emails = [f"pgbouncer.{index}@example.com" for index in range(3)]
    for email in emails:  # each in its own browser
        WizardActions(app.test_client()).complete(email=email)
    run_worker()
    assert len(outbox) == 3
    for mail in outbox:
        assert activated_number(activate(app.test_client(), mail["To"], code_from(mail)))
    with app.app_context():
        states = db.session.scalars(select(Registration.state)).all()
    assert states == [RegistrationState.ACTIVE] * 3
