"""Turning the authenticator app on from « Sécurité »: QR code, link, key, a current code;
ten recovery codes shown once; the secret never in clear in the database or Redis."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from tests.account.spaces import browser, is_logged_in
from tests.account.two_steps import CODES, SECOND_STEP, SETUP, code_for, enrol, key_on, text
from tests.scans import found_in_database, found_in_redis
from tests.support import PASSWORD, log_in, logged_in, post_form
from web.extensions import db
from web.models import AuditEvent, RecoveryCode, Registration


@pytest.fixture
def space(client, subscriber):
    return logged_in(client)


def events(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)))


def test_the_page_shows_a_server_drawn_qr_code_a_link_and_the_key_in_fours(space):
    page = space.get(SETUP).get_data(as_text=True)

    assert "<svg" in page and "<script>" not in page
    assert 'href="otpauth://totp/espace-pro:' in page
    key = key_on(page)
    assert len(key) == 32
    assert all(
        len(group) == 4
        for group in text(space.get(SETUP)).split('id="totp-key">')[1].split("<")[0].split()
    )
    assert key_on(space.get(SETUP).get_data(as_text=True)) == key  # the same until confirmed


def test_a_current_code_turns_it_on_with_ten_codes_a_notice_and_a_history_line(
    app, space, outbox, run_worker
):
    secret, codes = enrol(space)

    assert len(set(codes)) == 10
    with app.app_context():
        registration = db.session.scalar(select(Registration))
        assert registration.two_step_enabled_at is not None
        assert db.session.scalar(select(db.func.count()).select_from(RecoveryCode)) == 10
    assert "two_step_enabled" in events(app)
    run_worker()
    assert any("double authentification est activée" in mail["Subject"] for mail in outbox)
    security = text(space.get("/espace/securite"))
    assert "Activée" in security and "Codes de secours restants" in security
    assert secret not in security


def test_a_wrong_code_is_refused_in_french_and_nothing_changes(app, space):
    secret = key_on(space.get(SETUP).get_data(as_text=True))
    wrong = f"{(int(code_for(secret)) + 1) % 1_000_000:06d}"

    response = post_form(space, SETUP, {"code": wrong})

    assert response.status_code == 200
    assert "Code incorrect" in text(response)
    with app.app_context():
        assert db.session.scalar(select(Registration)).totp_secret_sealed is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Saisissez le code."),
        ("9" * 5000, "64 caractères au maximum."),
        ("１２３４５６", "Code incorrect"),
        ("12\u202e3456", "caractère non autorisé"),
        ("' OR 1=1 --", "Code incorrect"),
    ],
)
def test_hostile_codes_get_a_french_message_never_a_500(space, typed, message):
    response = post_form(space, SETUP, {"code": typed})

    assert response.status_code == 200
    assert message in text(response)


def test_the_codes_are_shown_once_downloadable_then_gone(space):
    _secret, codes = enrol(space)

    download = space.get(CODES + ".txt")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert all(code in download.get_data(as_text=True) for code in codes)
    post_form(space, CODES, {}, action=CODES + "/notes")

    again = space.get(CODES)
    assert again.status_code == 302
    assert space.get(CODES + ".txt").status_code == 302


def test_neither_the_secret_nor_a_recovery_code_is_in_clear_anywhere(
    app, space, redis_client, run_worker, caplog, session_data
):
    """Database, Redis (job data too), the session cookie and the logs, at each moment the
    secrets exist: enrolling, codes shown, a login waiting, a recovery code spent."""
    caplog.set_level(logging.DEBUG)
    places = []

    def scan(moment: str, values: list[str]) -> None:
        cookie = repr(session_data()) + (space.get_cookie("session").value or "")
        for value in values:
            for where in (
                found_in_database(app, value)
                + found_in_redis(redis_client, value, strict=True)
                + (["cookie"] if value.casefold() in cookie.casefold() else [])
                + (["logs"] if value.casefold() in caplog.text.casefold() else [])
            ):
                places.append((moment, value, where))

    secret = key_on(space.get(SETUP).get_data(as_text=True))
    scan("enrolling", [secret])
    assert found_in_redis(redis_client, "two_step:enrol:")  # the scan looks where it is
    secret, codes = enrol(space)
    clear = [secret, *codes, *(code.replace("-", "") for code in codes)]
    scan("codes shown", clear)
    post_form(space, CODES, {}, action=CODES + "/notes")
    post_form(space, "/espace/", {}, action="/espace/deconnexion")
    log_in(space)
    scan("login waiting", clear)
    post_form(space, SECOND_STEP + "?secours=1", {"code": codes[0]})
    run_worker()
    scan("recovery code spent", clear)

    assert places == []
    assert found_in_database(app, "two_step_passed")  # the walk really logged in


def test_renewing_needs_the_password_and_kills_the_old_set(app, space, outbox, run_worker):
    _secret, old = enrol(space)
    post_form(space, CODES, {}, action=CODES + "/notes")

    refused = post_form(space, CODES + "/nouveaux", {"current_password": "Mauvais99Mot"})
    assert "Le mot de passe actuel est incorrect." in text(refused)
    response = post_form(space, CODES + "/nouveaux", {"current_password": PASSWORD})

    assert response.status_code == 302
    new = text(space.get(CODES))
    assert not any(code in new for code in old)
    assert "recovery_codes_renewed" in events(app)
    run_worker()
    assert any("Nouveaux codes de secours" in mail["Subject"] for mail in outbox)


def test_turning_it_on_closes_the_other_sessions_and_keeps_this_one(app, client, subscriber):
    """A session opened elsewhere with the password alone does not outlive the second step."""
    other = browser(app, "203.0.113.5")
    log_in(other)
    space = logged_in(client)

    enrol(space)

    assert is_logged_in(space)
    assert not is_logged_in(other)
