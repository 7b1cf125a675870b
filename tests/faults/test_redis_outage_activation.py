"""Redis stopped or frozen after the sign-up: « Renvoyer le code », a new code, activation,
login and the logged-in space (Flask-Login's user loader reads the session from Redis).
Each answers the French 503 page within seconds, changes nothing, and works again once
Redis is back, without restarting the app."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from sqlalchemy import event

from tests.activation.helpers import (
    BUSY,
    REFUSED,
    activate,
    activated_number,
    ask_new_code,
    refusal_text,
    resend,
)
from tests.faults.checks import assert_unavailable, promptly, saved_or_unavailable
from tests.support import WizardActions, code_from, csrf_token, log_in
from tests.web.pages import Page
from web.core.secrets import codes
from web.extensions import db
from web.models import MailOutbox, Registration, RegistrationState
from web.registration import routes as registration_routes

EMAIL = "helene.lefevre@example.com"


@pytest.fixture
def signed_up(app, client, run_worker, outbox) -> Callable[[], str]:
    """Sign up on `client` (which keeps the waiting page), run the worker; return the code."""

    def sign_up() -> str:
        WizardActions(client).complete(email=EMAIL)
        run_worker()
        (mail,) = outbox
        outbox.clear()
        return code_from(mail)

    return sign_up


@pytest.fixture
def subscriber(app, signed_up, rows) -> Registration:
    """An active space, made through the pages and the worker."""
    activate(app.test_client(), EMAIL, signed_up())
    (registration,) = rows(Registration)
    assert registration.state == RegistrationState.ACTIVE
    return registration


def state_of(rows) -> str:
    (registration,) = rows(Registration)
    return registration.state


def page_form_token(client, url: str) -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


# --- « Renvoyer le code » and « Demander un nouveau code » --------------------------------


def test_resend_with_redis_stopped_owes_no_mail_then_works_once_redis_is_back(
    client, signed_up, redis_server, count, run_worker, outbox
):
    signed_up()
    token = page_form_token(client, "/inscription/attente")

    redis_server.shutdown()
    response = client.post("/inscription/attente/renvoyer", data={"csrf_token": token})

    assert_unavailable(response)
    assert count(MailOutbox) == 1  # the sign-up's only
    redis_server.start()
    page = Page(resend(client))
    assert page.h1 == "Activation de votre espace abonné"
    assert any(
        notice.startswith("Un nouveau code d'activation vient de vous être envoyé")
        for notice in page.notices()
    )
    run_worker()
    assert [mail["To"] for mail in outbox] == [EMAIL]


def test_redis_lost_in_the_middle_of_a_resend_says_nothing_was_saved_and_the_code_comes_later(
    app, client, signed_up, redis_server, count, run_worker, outbox, monkeypatch
):
    signed_up()
    token = page_form_token(client, "/inscription/attente")
    real_defer = registration_routes.defer

    def redis_lost_then_defer(*args, **kwargs):  # after the page's limit, before its job
        redis_server.shutdown()
        return real_defer(*args, **kwargs)

    monkeypatch.setattr(registration_routes, "defer", redis_lost_then_defer)
    response = client.post("/inscription/attente/renvoyer", data={"csrf_token": token})
    monkeypatch.undo()

    assert_unavailable(response)  # « Rien n'a été enregistré »: the request owed nothing
    assert count(MailOutbox) == 1  # the sign-up's code only
    redis_server.start()
    for key in redis_server_keys(app, "resend:recent:*"):  # a minute later
        app.extensions["redis"].delete(key)
    resend(client)
    run_worker()
    (mail,) = outbox
    assert activated_number(activate(app.test_client(), EMAIL, code_from(mail))) is not None


def redis_server_keys(app, pattern: str) -> list[bytes]:
    return list(app.extensions["redis"].scan_iter(pattern))


def test_new_code_with_redis_stopped_owes_no_mail_then_works_once_redis_is_back(
    app, signed_up, redis_server, count, run_worker, outbox
):
    signed_up()
    other_browser = app.test_client()
    token = page_form_token(other_browser, "/activation/nouveau-code")

    redis_server.shutdown()
    response = other_browser.post(
        "/activation/nouveau-code", data={"csrf_token": token, "email": EMAIL}
    )

    assert_unavailable(response)
    assert count(MailOutbox) == 1
    redis_server.start()
    page = Page(ask_new_code(other_browser, EMAIL))
    assert page.h1 == "Activez votre espace abonné"
    run_worker()
    assert [mail["To"] for mail in outbox] == [EMAIL]


# --- activation -----------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["stopped", "frozen"])
def test_activation_with_redis_down_activates_nothing_and_the_code_works_once_redis_is_back(
    app, signed_up, redis_server, rows, how
):
    code = signed_up()
    browser = app.test_client()
    token = page_form_token(browser, "/activation/")

    redis_server.shutdown() if how == "stopped" else redis_server.freeze()
    response = promptly(
        lambda: browser.post(
            "/activation/", data={"csrf_token": token, "email": EMAIL, "code": code}
        ),
        on_hang=redis_server.thaw,
    )

    assert_unavailable(response)
    assert state_of(rows) == RegistrationState.CODE_SENT
    redis_server.start() if how == "stopped" else redis_server.thaw()
    assert activated_number(activate(browser, EMAIL, code)) is not None
    assert state_of(rows) == RegistrationState.ACTIVE


@pytest.mark.app_config(RATELIMIT_ACTIVATION="100 per hour")  # retried until the lease ends
def test_redis_frozen_while_it_checks_the_code_does_not_cost_the_person_their_code(
    app, signed_up, redis_server, rows, monkeypatch
):
    # The check is sent, the app gives up at its timeout, and Redis runs it once thawed:
    # the code is then claimed by a request that no longer exists.
    code = signed_up()
    monkeypatch.setattr(codes, "CLAIM_MILLISECONDS", 300)  # the claim's lease, shortened
    original = codes.check_code

    def check_on_a_frozen_redis(*args, **kwargs):
        redis_server.freeze()
        return original(*args, **kwargs)

    monkeypatch.setattr(codes, "check_code", check_on_a_frozen_redis)
    browser = app.test_client()
    response = promptly(lambda: activate(browser, EMAIL, code), on_hang=redis_server.thaw)
    assert_unavailable(response)
    monkeypatch.setattr(codes, "check_code", original)

    redis_server.thaw()
    number, deadline = None, time.monotonic() + 5
    while number is None and time.monotonic() < deadline:
        retry = activate(app.test_client(), EMAIL, code)
        number = activated_number(retry)
        if number is None:
            # While the lease runs the code is "being processed", never "incorrect".
            assert refusal_text(retry) is None, refusal_text(retry)
            assert any(notice.startswith(BUSY) for notice in Page(retry).notices())
            time.sleep(0.1)

    # The lease has lapsed: the code was still the person's, and it worked.
    assert number is not None
    assert state_of(rows) == RegistrationState.ACTIVE


def test_redis_lost_right_after_the_activation_commits_keeps_the_space_active(
    app, signed_up, redis_server, rows
):
    code = signed_up()
    stop = lambda session: redis_server.shutdown()  # noqa: E731
    event.listen(db.session, "after_commit", stop, once=True)
    try:
        response = activate(app.test_client(), EMAIL, code, follow=False)
    finally:
        if event.contains(db.session, "after_commit", stop):
            event.remove(db.session, "after_commit", stop)

    (registration,) = rows(Registration)
    assert registration.state == RegistrationState.ACTIVE and registration.subscriber_number
    saved_or_unavailable(response, "/activation/reussie")
    redis_server.start()
    # Single use still holds, and the space is there: its owner logs in.
    assert refusal_text(activate(app.test_client(), EMAIL, code)).startswith(REFUSED)
    browser = app.test_client()
    log_in(browser)
    assert Page(browser.get("/espace/")).h1 == "Mon espace abonné"


# --- login and the logged-in space -----------------------------------------------------------


def test_login_with_redis_stopped_opens_no_session_then_works_once_redis_is_back(
    app, subscriber, redis_server
):
    browser = app.test_client()
    token = page_form_token(browser, "/espace/connexion")

    redis_server.shutdown()
    response = browser.post(
        "/espace/connexion", data={"csrf_token": token, "email": EMAIL, "password": "Kestrel42Vine"}
    )

    assert_unavailable(response)
    redis_server.start()
    with redis_server.client() as probe:
        assert list(probe.scan_iter("auth:session:*")) == []
    assert browser.get("/espace/").status_code == 302  # not logged in
    log_in(browser)
    assert Page(browser.get("/espace/")).h1 == "Mon espace abonné"


@pytest.mark.parametrize("how", ["stopped", "frozen"])
def test_space_with_redis_down_answers_503_and_the_login_survives_redis_coming_back(
    app, subscriber, redis_server, how
):
    browser = app.test_client()
    log_in(browser)
    assert Page(browser.get("/espace/")).h1 == "Mon espace abonné"

    redis_server.shutdown() if how == "stopped" else redis_server.freeze()
    response = promptly(lambda: browser.get("/espace/"), on_hang=redis_server.thaw)

    # The user loader could not read the session: unavailable, not "please log in".
    assert_unavailable(response)
    redis_server.start() if how == "stopped" else redis_server.thaw()
    # Still logged in (the session was kept in the append-only file across the restart).
    assert Page(browser.get("/espace/")).h1 == "Mon espace abonné"
