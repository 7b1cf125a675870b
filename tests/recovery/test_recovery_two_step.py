"""Password recovery with the second step on: the mailbox proof, the trust answer, then a
code of the app or a recovery code, before a new password can be chosen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.account.spaces import (
    answer_question,
    ask_for_reset_link,
    browser,
    choose_new_password,
    frozen_clock,
    page,
)
from tests.account.two_steps import CODES, code_for, enrol
from tests.support import EMAIL, csrf_token, log_in, logged_in, post_form
from web.extensions import db
from web.models import AuditEvent

NEW_PASSWORD = "Heron58Quartz"
STEP = "/recuperation/deuxieme-etape"


@pytest.fixture
def enrolled(client, subscriber):
    logged_in(client)
    secret, codes = enrol(client)
    post_form(client, CODES, {}, action=CODES + "/notes")
    post_form(client, "/espace/", {}, action="/espace/deconnexion")
    return subscriber, secret, codes


@pytest.fixture
def answered(app, enrolled, outbox, run_worker):
    subscriber = enrolled[0]
    link = ask_for_reset_link(app, outbox, run_worker, EMAIL, subscriber.subscriber_number)
    client = browser(app)
    client.get(link)
    response = answer_question(client, "Caramel des Prés")
    assert response.status_code == 302 and response.location.endswith(STEP)
    return client


def test_the_answer_alone_does_not_reach_the_new_password(app, answered):
    response = answered.get("/recuperation/nouveau-mot-de-passe")

    assert response.status_code == 302 and response.location.endswith(STEP)
    token = csrf_token(answered.get(STEP).get_data(as_text=True))  # the session's token
    forced = answered.post(
        "/recuperation/nouveau-mot-de-passe",
        data={
            "csrf_token": token,
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        },
    )
    assert forced.status_code == 302 and forced.location.endswith(STEP)
    assert log_in(browser(app), password=NEW_PASSWORD).status_code == 401


def test_a_code_of_the_app_then_the_new_password(app, enrolled, answered):
    _subscriber, secret, _codes = enrolled
    with frozen_clock() as clock:
        clock.shift(timedelta(seconds=31))
        wrong = post_form(
            answered, STEP, {"code": "000000" if code_for(secret) != "000000" else "111111"}
        )
        assert wrong.status_code == 401 and "Code incorrect ou déjà utilisé." in page(wrong)
        response = post_form(answered, STEP, {"code": code_for(secret)})
        assert response.location.endswith("/recuperation/nouveau-mot-de-passe")
        assert choose_new_password(answered, NEW_PASSWORD).location.endswith("/espace/connexion")

        client = browser(app)
        login = log_in(client, password=NEW_PASSWORD)
        assert login.location.endswith("/espace/connexion/verification")  # still two steps
    with app.app_context():
        kinds = list(db.session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)))
    assert kinds[-2:] == ["two_step_passed", "password_reset"]
    assert "two_step_failed" in kinds


def test_a_recovery_code_does_too_once(app, enrolled, answered):
    _subscriber, _secret, codes = enrolled
    response = post_form(answered, STEP, {"code": codes[0]})
    assert response.location.endswith("/recuperation/nouveau-mot-de-passe")
    with app.app_context():
        assert db.session.scalar(
            select(AuditEvent.id).where(AuditEvent.kind == "recovery_code_used")
        )


@pytest.mark.parametrize("typed", ["", "z" * 1000, "\u202e123456", "١٢٣٤٥٦"])
def test_hostile_codes_are_answered_in_french(answered, typed):
    response = post_form(answered, STEP, {"code": typed})

    assert response.status_code in (200, 401)
    text = page(response)
    assert any(
        message in text
        for message in (
            "Saisissez le code.",
            "64 caractères au maximum.",
            "caractère non autorisé",
            "Code incorrect ou déjà utilisé.",
        )
    )
