"""Turning the authenticator app on from « Sécurité »: QR code, link, key, a current code;
ten recovery codes shown once; the secret never in clear in the database or Redis."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select
from sqlalchemy import text as sql

from tests.account.two_steps import CODES, SETUP, code_for, enrol, key_on, text
from tests.support import PASSWORD, logged_in, post_form
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


def test_neither_the_secret_nor_a_recovery_code_is_in_clear_in_the_database_or_redis(
    app, space, redis_client
):
    secret, codes = enrol(space)  # the codes are still waiting to be noted: sealed in Redis
    clear = [secret, *codes, *(code.replace("-", "") for code in codes)]

    with app.app_context():
        dump = []
        for table in inspect(db.engine).get_table_names():
            dump += [repr(tuple(row)) for row in db.session.execute(sql(f"SELECT * FROM {table}"))]
    for key in redis_client.scan_iter():
        kind = redis_client.type(key)
        if kind == b"string":
            dump.append(repr(redis_client.get(key)))
        elif kind == b"hash":
            dump.append(repr(redis_client.hgetall(key)))
        elif kind in (b"set", b"zset", b"list"):
            dump.append(repr(redis_client.dump(key)))
        dump.append(repr(key))
    everything = "\n".join(dump)
    assert everything
    for value in clear:
        assert value not in everything, value


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
