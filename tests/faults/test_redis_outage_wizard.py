"""Redis stopped (connection refused) or frozen (timeouts) under the sign-up wizard and its
confirmation: the French 503 page within seconds, nothing half-saved, and the same form
goes through once Redis is back, without restarting the app."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import event

from mailer.maintenance import reconcile_outbox
from tests.activation.helpers import activate, activated_number
from tests.faults.checks import assert_unavailable, promptly, saved_or_unavailable
from tests.support import PASSWORD, code_from, csrf_token, profile_data
from tests.web.pages import Page
from web.core.subscribers import PROFILE_COLUMNS
from web.extensions import db
from web.models import MailKind, MailOutbox, Registration, RegistrationState

EMAIL = "helene.lefevre@example.com"
CREDENTIALS = {
    "email": EMAIL,
    "email_confirm": EMAIL,
    "password": PASSWORD,
    "password_confirm": PASSWORD,
}
# step: (its page, the form it posts, where it leads)
STEPS = {
    1: ("/inscription/etape-1", {"accept": "y"}, "/inscription/etape-2"),
    2: ("/inscription/etape-2", CREDENTIALS, "/inscription/etape-3"),
    3: ("/inscription/etape-3", profile_data(), "/inscription/confirmation"),
}


def walk_to(wizard, step: int) -> None:
    """Complete the steps before `step`."""
    if step > 1:
        wizard.accept_terms()
    if step > 2:
        wizard.credentials()
    if step > 3:
        wizard.profile()


def stored_draft(app, client, redis_server) -> dict | None:
    """The browser's draft as Redis holds it (read without renewing it)."""
    cookie = client.get_cookie("session")
    token = (
        dict(app.session_interface.get_signing_serializer(app).loads(cookie.value)).get("draft")
        if cookie
        else None
    )
    if token is None:
        return None
    raw = redis_server.client().get(f"wizard:draft:{token}")
    return json.loads(raw) if raw else None


def take_down(redis_server, how: str) -> None:
    if how == "stopped":
        redis_server.shutdown()
    else:
        redis_server.freeze()


def bring_back(redis_server, how: str) -> None:
    if how == "stopped":
        redis_server.start()
    else:
        redis_server.thaw()


@pytest.mark.parametrize("how", ["stopped", "frozen"])
@pytest.mark.parametrize("step", [1, 2, 3])
def test_wizard_step_with_redis_down_answers_503_and_goes_through_once_redis_is_back(
    app, client, wizard, redis_server, step, how
):
    url, form, next_url = STEPS[step]
    walk_to(wizard, step)
    token = csrf_token(client.get(url).get_data(as_text=True))
    before = stored_draft(app, client, redis_server)

    take_down(redis_server, how)
    response = promptly(
        lambda: client.post(url, data={"csrf_token": token, **form}), on_hang=redis_server.thaw
    )

    assert_unavailable(response)
    bring_back(redis_server, how)
    assert stored_draft(app, client, redis_server) == before  # nothing half-saved
    # The same form, with the same token (the session and its CSRF secret survived).
    again = client.post(url, data={"csrf_token": token, **form})
    assert again.status_code == 302, Page(again).text
    assert again.location == next_url
    assert stored_draft(app, client, redis_server) != before


def test_first_visit_with_redis_down_answers_503_then_the_wizard_starts_without_a_false_expiry(
    client, redis_server
):
    redis_server.shutdown()

    assert_unavailable(client.get("/inscription/etape-1"))

    redis_server.start()
    page = Page(client.get("/inscription/etape-1"))
    assert page.h1 == "1ère étape : acceptez les conditions générales"
    # The draft Redis never stored must not read as one that expired after an hour.
    assert page.notices() == []


# --- « Valider » ----------------------------------------------------------------------------


def at_confirmation(wizard, client) -> str:
    """Walk the three steps; return the confirmation form's token."""
    walk_to(wizard, 4)
    page = client.get("/inscription/confirmation")
    assert Page(page).h1 == "Confirmez votre inscription"
    return csrf_token(page.get_data(as_text=True))


@pytest.mark.parametrize("how", ["stopped", "frozen"])
def test_valider_with_redis_down_saves_nothing_then_works_once_redis_is_back(
    client, wizard, redis_server, count, how
):
    token = at_confirmation(wizard, client)

    take_down(redis_server, how)
    response = promptly(
        lambda: client.post("/inscription/confirmation", data={"csrf_token": token}),
        on_hang=redis_server.thaw,
    )

    assert_unavailable(response)
    assert count(Registration) == 0 and count(MailOutbox) == 0
    bring_back(redis_server, how)
    again = client.post(
        "/inscription/confirmation", data={"csrf_token": token}, follow_redirects=True
    )
    assert Page(again).h1 == "Activation de votre espace abonné"
    assert EMAIL in Page(again).text
    assert count(Registration) == 1 and count(MailOutbox) == 1


@pytest.fixture
def redis_lost_at_commit(redis_server):
    """Stop Redis the moment the next DB transaction commits (once)."""
    calls = []

    def stop(session) -> None:
        calls.append(1)
        redis_server.shutdown()

    event.listen(db.session, "after_commit", stop, once=True)
    yield calls
    if event.contains(db.session, "after_commit", stop):
        event.remove(db.session, "after_commit", stop)


def test_redis_lost_right_after_valider_commits_loses_nothing_and_the_code_comes_later(
    app, client, wizard, redis_server, redis_lost_at_commit, rows, run_worker, outbox, time_machine
):
    token = at_confirmation(wizard, client)

    response = client.post("/inscription/confirmation", data={"csrf_token": token})

    assert redis_lost_at_commit == [1]
    # Invariant 1: committed before anything is enqueued, so whatever the page says,
    # the registration and the mail it is owed are both in the database, complete.
    (registration,) = rows(Registration)
    (owed,) = rows(MailOutbox)
    assert registration.state == RegistrationState.PENDING and registration.email == EMAIL
    assert registration.password_hash and registration.terms_accepted_at
    assert all(
        getattr(registration, name) is not None
        for name in PROFILE_COLUMNS
        if name not in ("street_type", "address_complement")
    )
    assert (owed.registration_id, owed.kind) == (registration.id, MailKind.ACTIVATION_CODE)
    assert owed.job_id is None  # Redis could not take the job
    page = saved_or_unavailable(response, "/inscription/attente")
    if page is not None:
        assert "Votre demande a peut-être déjà été enregistrée" in page.text

    redis_server.start()
    # The scheduled reconciler (every 5 minutes) finds the mail owed without a job.
    time_machine.move_to(registration.created_at + timedelta(minutes=5), tick=True)
    with app.app_context():
        assert reconcile_outbox() == 1
    run_worker()

    assert [mail["To"] for mail in outbox] == [EMAIL]
    assert "code d'activation" in outbox[0]["Subject"]
    # « Valider » clicked again meanwhile: the same waiting page, no second registration
    # and no « already registered » mail beside the code (the draft is the same one).
    again = client.post(
        "/inscription/confirmation", data={"csrf_token": token}, follow_redirects=True
    )
    assert Page(again).h1 == "Activation de votre espace abonné"
    run_worker()
    assert len(rows(Registration)) == 1
    assert outbox[1:] == []
    assert activated_number(activate(app.test_client(), EMAIL, code_from(outbox[0])))
