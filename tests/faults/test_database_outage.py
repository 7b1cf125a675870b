"""The database going away under the app. On PostgreSQL, a restart is simulated by
terminating the app's own backends (never the shared cluster itself): the next requests
succeed (pool_pre_ping), and a confirmation caught in the middle is saved whole or not at
all. On any database, an error injected mid-confirmation rolls everything back."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from tests.activation.helpers import activate
from tests.faults.checks import assert_unavailable
from tests.support import WizardActions, code_from, csrf_token, log_in
from tests.web.pages import Page
from web.extensions import db
from web.models import MailKind, MailOutbox, Registration, RegistrationState

EMAIL = "helene.lefevre@example.com"
NEEDS_POSTGRESQL = (
    "needs DATABASE_URL on PostgreSQL: SQLite has no server connections to "
    "drop (test_database_error_mid_confirmation_* covers it)"
)


@pytest.fixture
def app_name() -> str:
    """The application_name this test's app connects with, to find its backends."""
    return f"espace-pro-faults-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def database_url(database_url: str, app_name: str) -> str:
    """The shared DATABASE_URL; on PostgreSQL, tagged with this test's application_name."""
    if not database_url.startswith("postgresql"):
        return database_url
    return f"{database_url}{'&' if '?' in database_url else '?'}application_name={app_name}"


@pytest.fixture
def postgresql(database_url: str, app_name: str):
    """A connection of the test's own, to terminate the app's backends (PostgreSQL only)."""
    if not database_url.startswith("postgresql"):
        pytest.skip(NEEDS_POSTGRESQL)
    engine = create_engine(database_url.split("?")[0], poolclass=NullPool)
    yield Terminator(engine, app_name)
    engine.dispose()


class Terminator:
    """What a PostgreSQL restart does to the app's pooled connections, one or all of them."""

    def __init__(self, engine, app_name: str) -> None:
        self.engine, self.app_name = engine, app_name

    def _terminate(self, where: str, **params) -> int:
        query = (
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            f"AND pid <> pg_backend_pid() AND {where}"
        )
        with self.engine.connect() as connection:
            pids = list(connection.execute(text(query), params).scalars())
            for pid in pids:
                connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            deadline = time.monotonic() + 10
            while True:
                connection.commit()  # pg_stat_activity is a snapshot per transaction
                if not connection.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                    {"pids": pids},
                ).scalar():
                    break
                assert time.monotonic() < deadline, "the backends did not end"
                time.sleep(0.02)
        return len(pids)

    def every_app_connection(self) -> int:
        """Terminate every backend of this test's app; return how many there were."""
        return self._terminate("application_name = :name", name=self.app_name)

    def backend(self, pid: int) -> None:
        """Terminate one backend of this test's app."""
        assert (
            self._terminate("application_name = :name AND pid = :pid", name=self.app_name, pid=pid)
            == 1
        )


@contextmanager
def on_session_event(name: str, handler) -> Iterator[None]:
    """Run `handler` on the next `name` event of the app's DB session (once)."""
    event.listen(db.session, name, handler, once=True)
    try:
        yield
    finally:
        if event.contains(db.session, name, handler):
            event.remove(db.session, name, handler)


def at_confirmation(client, email: str = EMAIL) -> str:
    """Walk the three steps in `client`; return the confirmation form's token."""
    wizard = WizardActions(client)
    wizard.accept_terms()
    wizard.credentials(email=email)
    wizard.profile()
    return csrf_token(client.get("/inscription/confirmation").get_data(as_text=True))


def valider(client, token: str):
    return client.post("/inscription/confirmation", data={"csrf_token": token})


def backend_pid(session) -> int:
    return session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()


def nothing_saved_then_saved_again(response, client, token: str, count) -> None:
    """The failed « Valider » answered 503 and saved nothing; the next try, on a fresh
    connection, saves both rows."""
    assert_unavailable(response)
    assert count(Registration) == 0 and count(MailOutbox) == 0
    again = valider(client, token)
    assert again.status_code == 302 and again.location == "/inscription/attente"
    assert count(Registration) == 1 and count(MailOutbox) == 1


# --- PostgreSQL restarted between requests ----------------------------------------------------


def test_requests_after_postgresql_dropped_every_app_connection_succeed(
    app, client, postgresql, run_worker, outbox, count
):
    WizardActions(client).complete(email=EMAIL)
    run_worker()
    activate(app.test_client(), EMAIL, code_from(outbox[0]))
    browser = app.test_client()
    log_in(browser)
    assert Page(browser.get("/espace/")).h1 == "Mon espace abonné"

    assert postgresql.every_app_connection() >= 1

    # Reading (the space), then writing (another sign-up), on a pool of dead connections.
    assert Page(browser.get("/espace/")).h1 == "Mon espace abonné"
    other = app.test_client()
    token = at_confirmation(other, "marc.dupont@example.com")
    assert postgresql.every_app_connection() >= 1
    response = valider(other, token)
    assert response.status_code == 302 and response.location == "/inscription/attente"
    assert count(Registration) == 2 and count(MailOutbox) == 2


# --- PostgreSQL restarted in the middle of « Valider » -------------------------------------


@pytest.mark.parametrize("moment", ["before_commit", "after_flush"])
def test_connection_lost_inside_the_confirmation_transaction_saves_nothing_and_says_so(
    client, postgresql, count, moment
):
    token = at_confirmation(client)

    def terminate(session, *args) -> None:
        postgresql.backend(backend_pid(session))

    with on_session_event(moment, terminate):
        response = valider(client, token)

    nothing_saved_then_saved_again(response, client, token, count)


def test_connection_lost_right_after_the_confirmation_commits_keeps_both_rows(
    client, postgresql, rows
):
    token = at_confirmation(client)
    pids: list[int] = []

    def remember(session, *args) -> None:
        pids.append(backend_pid(session))

    def terminate(session) -> None:
        postgresql.backend(pids[0])

    with on_session_event("after_flush", remember), on_session_event("after_commit", terminate):
        response = valider(client, token)

    assert response.status_code == 302 and response.location == "/inscription/attente"
    (registration,) = rows(Registration)
    (owed,) = rows(MailOutbox)
    assert registration.state == RegistrationState.PENDING
    assert (owed.registration_id, owed.kind) == (registration.id, MailKind.ACTIVATION_CODE)
    # Written with the row before the commit; the job was enqueued after it.
    assert owed.job_id == f"outbox-{owed.id}" and owed.enqueued_at is not None


# --- any database: an error in the middle of « Valider » ----------------------------------


def test_database_error_mid_confirmation_rolls_back_answers_503_and_saves_nothing(client, count):
    token = at_confirmation(client)

    def fail(session, *args) -> None:
        raise OperationalError("COMMIT", {}, Exception("database is locked"))

    with on_session_event("after_flush", fail):
        response = valider(client, token)

    nothing_saved_then_saved_again(response, client, token, count)


def test_valider_sent_again_after_an_error_past_the_commit_lands_on_the_same_waiting_page(
    client, rows, run_worker, outbox
):
    token = at_confirmation(client)

    def fail(session) -> None:
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    with on_session_event("after_commit", fail):
        first = valider(client, token)
    assert first.status_code == 503  # saved, but the page could not say so
    again = valider(client, token)  # the person presses « Valider » once more

    assert again.status_code == 302 and again.location == "/inscription/attente"
    (registration,) = rows(Registration)
    assert [owed.kind for owed in rows(MailOutbox)] == [MailKind.ACTIVATION_CODE]
    run_worker()
    assert [mail["Subject"] for mail in outbox] == ["Votre code d'activation espace-pro"]
    assert EMAIL in client.get("/inscription/attente").get_data(as_text=True)
    assert registration.draft_key and len(registration.draft_key) == 32  # a keyed hash
