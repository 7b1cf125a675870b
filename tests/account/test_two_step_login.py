"""The login with the second step on: the password alone never opens the space; a code of
the app is accepted once, with one step of drift; a recovery code once; wrong codes are
throttled like passwords; every attempt is in the history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.account.spaces import browser, frozen_clock, is_logged_in, session_of
from tests.account.two_steps import (
    CODES,
    SECOND_STEP,
    code_for,
    enrol,
    log_in_with,
    second_step,
    text,
)
from tests.support import PASSWORD, csrf_token, log_in, logged_in, post_form
from web.extensions import db
from web.models import AuditEvent, RecoveryCode

SPACE_URLS = (
    "/espace/",
    "/espace/securite",
    "/espace/historique",
    "/espace/coordonnees",
    "/espace/sessions",
    "/espace/securite/application",
    "/espace/dossiers/",
)
WRONG = "Code incorrect ou déjà utilisé."


@pytest.fixture
def enrolled(app, client, subscriber):
    """A space with the app on; the enrolling browser logged out again. Its secret and codes."""
    logged_in(client)
    secret, codes = enrol(client)
    post_form(client, CODES, {}, action=CODES + "/notes")
    post_form(client, "/espace/", {}, action="/espace/deconnexion")
    return secret, codes


def events(app, kind: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.kind == kind)))


def wrong_code(secret: str) -> str:
    return f"{(int(code_for(secret)) + 500_000) % 1_000_000:06d}"


def test_the_password_alone_opens_nothing(app, enrolled):
    client = browser(app)
    response = log_in(client)

    assert response.status_code == 302 and response.location.endswith(SECOND_STEP)
    for url in SPACE_URLS:
        answer = client.get(url)
        assert answer.status_code == 302, url
        assert "/espace/connexion" in answer.location, url
    assert not is_logged_in(client)
    assert events(app, "login") != [] and len(events(app, "login")) == 1  # the enrolment's
    page = text(client.get(SECOND_STEP))
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert "Utiliser un code de secours" in page


def test_a_current_code_opens_the_space_and_the_history_says_how(app, enrolled):
    secret, _codes = enrolled
    client = browser(app)
    with frozen_clock() as clock:
        clock.shift(timedelta(seconds=31))  # not the enrolment's step
        response = log_in_with(client, code_for(secret))

        assert response.status_code == 302 and response.location.endswith("/espace/")
        assert is_logged_in(client)  # (inside the clock: the session cookie is signed then)
    assert [event.detail for event in events(app, "two_step_passed")] == ["totp"]
    assert "two_step_pending" not in session_of(app, client)


def test_a_code_is_accepted_once_and_the_next_step_s_code_works(app, enrolled):
    secret, _codes = enrolled
    with frozen_clock() as clock:
        clock.shift(timedelta(seconds=60))
        code = code_for(secret)
        first = browser(app)
        assert log_in_with(first, code).location.endswith("/espace/")

        replay = browser(app)
        refused = log_in_with(replay, code)
        assert refused.status_code == 401 and WRONG in text(refused)
        assert not is_logged_in(replay)

        clock.shift(timedelta(seconds=30))
        assert second_step(replay, code_for(secret)).location.endswith("/espace/")


def test_one_step_of_drift_either_way_and_no_more(app, enrolled):
    secret, _codes = enrolled
    with frozen_clock() as clock:
        clock.shift(timedelta(minutes=5))
        import time

        now = time.time()
        client = browser(app)
        log_in(client)
        for too_far in (now - 61, now + 61):
            assert second_step(client, code_for(secret, too_far)).status_code == 401
        assert second_step(client, code_for(secret, now - 30)).location.endswith("/espace/")

        ahead = browser(app)
        log_in(ahead)
        assert second_step(ahead, code_for(secret, now + 30)).location.endswith("/espace/")
        # Once the next step's code was used, this step's is old news.
        later = browser(app)
        log_in(later)
        assert second_step(later, code_for(secret, now)).status_code == 401


def test_a_recovery_code_works_once_and_is_noticed(app, enrolled, outbox, run_worker):
    _secret, codes = enrolled
    client = browser(app)
    response = log_in_with(client, codes[3].lower(), recovery=True)

    assert response.location.endswith("/espace/")
    assert [event.detail for event in events(app, "two_step_passed")] == ["recovery"]
    history = text(client.get("/espace/historique"))
    assert "Deuxième étape de connexion réussie" in history and "code de secours" in history
    assert len(events(app, "recovery_code_used")) == 1
    assert "Codes de secours restants" in text(client.get("/espace/securite"))
    assert "<dd>9</dd>" in text(client.get("/espace/securite"))
    run_worker()
    assert any("code de secours" in mail["Subject"] for mail in outbox)

    again = browser(app)
    refused = log_in_with(again, codes[3], recovery=True)
    assert refused.status_code == 401 and WRONG in text(refused)


def test_the_pending_login_ends_after_five_minutes(app, enrolled):
    secret, _codes = enrolled
    client = browser(app)
    with frozen_clock() as clock:
        log_in(client)
        token = csrf_token(client.get(SECOND_STEP).get_data(as_text=True))
        clock.shift(timedelta(minutes=5, seconds=1))
        response = client.post(SECOND_STEP, data={"csrf_token": token, "code": code_for(secret)})

    assert response.status_code == 302 and response.location.endswith("/espace/connexion")
    assert not is_logged_in(client)


def test_a_pending_login_is_this_browser_s_only(app, enrolled):
    secret, _codes = enrolled
    log_in(browser(app))
    stranger = browser(app)

    response = post_form(stranger, "/espace/connexion", {}, action=SECOND_STEP)

    assert response.status_code == 302 and response.location.endswith("/espace/connexion")
    assert not is_logged_in(stranger)


def test_wrong_codes_wait_like_passwords_and_each_is_in_the_history(app, enrolled):
    secret, _codes = enrolled
    client = browser(app)
    with frozen_clock() as clock:
        log_in(client)
        for _ in range(5):
            assert second_step(client, wrong_code(secret)).status_code == 401

        waiting = second_step(client, code_for(secret))
        assert waiting.status_code == 429
        assert "réessayez dans 1 minute(s)" in text(waiting)

        clock.shift(timedelta(seconds=61))
        log_in(client)  # the pending state lasts five minutes: start again
        assert second_step(client, code_for(secret)).location.endswith("/espace/")
    assert len(events(app, "two_step_failed")) == 5


def test_the_lock_after_a_hundred_wrong_codes(app, enrolled, redis_client):
    secret, _codes = enrolled
    with app.app_context():
        registration_id = db.session.scalar(select(AuditEvent.registration_id))
    redis_client.hset(f"two_step:fail:{registration_id}", mapping={"count": 100, "last": 0})
    client = browser(app)
    log_in(client)

    response = second_step(client, code_for(secret))

    assert response.status_code == 429
    assert "la deuxième étape est bloquée" in text(response)
    assert not any("@" in key.decode() for key in redis_client.scan_iter("two_step:*"))


@pytest.mark.parametrize("typed", ["", "x" * 3000, "١٢٣٤٥٦", "\u0000", "ABCDE-FGHIJ-KLMNO"])
def test_hostile_input_on_the_second_page(app, enrolled, typed):
    client = browser(app)
    log_in(client)

    response = second_step(client, typed)

    assert response.status_code in (200, 401)
    assert (
        "Saisissez le code." in text(response)
        or "caractères au maximum" in text(response)
        or WRONG in text(response)
        or "caractère non autorisé" in text(response)
    )
    assert not is_logged_in(client)


def test_turning_it_off_needs_the_password_and_a_code(app, enrolled, outbox, run_worker):
    secret, _codes = enrolled
    client = browser(app)
    with frozen_clock() as clock:
        clock.shift(timedelta(seconds=31))  # past the enrolment's step
        assert log_in_with(client, code_for(secret)).location.endswith("/espace/")
        clock.shift(timedelta(seconds=30))
        url = "/espace/securite/application/desactiver"
        no_password = post_form(
            client, url, {"current_password": "Mauvais99Mot", "code": code_for(secret)}
        )
        assert "Le mot de passe actuel est incorrect." in text(no_password)
        no_code = post_form(client, url, {"current_password": PASSWORD, "code": wrong_code(secret)})
        assert WRONG in text(no_code)

        clock.shift(timedelta(seconds=30))
        done = post_form(client, url, {"current_password": PASSWORD, "code": code_for(secret)})
        assert done.status_code == 302
        post_form(client, "/espace/", {}, action="/espace/deconnexion")
    assert len(events(app, "two_step_disabled")) == 1
    run_worker()
    assert any("double authentification est désactivée" in mail["Subject"] for mail in outbox)
    assert log_in(browser(app)).location.endswith("/espace/")


@pytest.mark.app_config(REQUIRE_TWO_STEP=True)
def test_an_instance_that_requires_it_makes_everyone_enrol_first(app, client, subscriber):
    response = log_in(client)
    assert response.location.endswith("/espace/")

    for url in ("/espace/", "/espace/historique", "/espace/dossiers/"):
        answer = client.get(url)
        assert answer.status_code == 302 and answer.location.endswith(
            "/espace/securite/application"
        ), url
    assert "obligatoire" in text(client.get("/espace/securite/application"))
    enrol(client)
    assert client.get("/espace/").status_code == 200


@pytest.mark.parametrize(
    ("password", "code", "message"),
    [
        ("", "", "Saisissez votre mot de passe actuel."),
        (PASSWORD, "", "Saisissez le code."),
        ("p" * 5000, "1" * 5000, "1024 caractères au maximum."),
        (PASSWORD, "\u202e" + "1" * 6, "caractère non autorisé"),
        (PASSWORD, "日本語のコード", WRONG),
    ],
)
def test_hostile_input_when_turning_it_off(app, enrolled, password, code, message):
    secret, _codes = enrolled
    client = browser(app)
    with frozen_clock() as clock:
        clock.shift(timedelta(seconds=31))
        log_in_with(client, code_for(secret))
        response = post_form(
            client,
            "/espace/securite/application/desactiver",
            {"current_password": password, "code": code},
        )

        assert response.status_code == 200
        assert message in text(response)
        assert "Activée" in text(client.get("/espace/securite"))


@pytest.mark.parametrize("typed", ["", "q" * 3000, "\u0000\u0001"])
def test_hostile_input_when_renewing_codes(app, enrolled, typed):
    secret, codes = enrolled
    client = browser(app)
    with frozen_clock() as clock:
        clock.shift(timedelta(seconds=31))
        log_in_with(client, code_for(secret))
        response = post_form(
            client, "/espace/securite/codes-de-secours/nouveaux", {"current_password": typed}
        )

        assert response.status_code == 200
        assert "error-summary" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(RecoveryCode)) == 10
