"""Generated hostile submissions to the two-step forms: the app's enrolment, the login's
second page, turning the app off. Never a server error, a French page with a French message
for each refused field; nothing turned on, off or opened by a wrong submission."""

from __future__ import annotations

import pyotp
from hypothesis import given, settings
from sqlalchemy import select

from tests.account.two_steps import SECOND_STEP, SETUP
from tests.hostile.answers import attempt
from tests.hostile.strategies import HOSTILE_HEALTH_CHECKS, submissions
from tests.support import EMAIL, PASSWORD, log_in, token_of
from web.core import two_step
from web.extensions import db
from web.models import Registration

SECRET = pyotp.random_base32(32)


def turn_on(app, subscriber_id: int) -> None:
    """The app on for the subscriber, straight in the database (sealed as the page seals)."""
    with app.test_request_context():
        registration = db.session.get(Registration, subscriber_id)
        registration.totp_secret_sealed = two_step._seal(SECRET)
        registration.totp_last_step = None
        db.session.commit()


def sealed(app, subscriber_id: int) -> str | None:
    with app.app_context():
        return db.session.scalar(
            select(Registration.totp_secret_sealed).where(Registration.id == subscriber_id)
        )


def clear_wrong_codes(app) -> None:
    connection = app.extensions["redis"]
    keys = list(connection.scan_iter(match="two_step:*", count=1000))
    if keys:
        connection.delete(*keys)


@settings(max_examples=25, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(submission=submissions({"code": "123456"}))
def test_the_enrolment_answers_any_submission_and_turns_nothing_on(
    app, logged_in, foreign_token, subscriber_id, restore_subscriber, submission
):
    client = logged_in()
    token = token_of(client, SETUP)

    outcome = attempt(app, client, SETUP, submission, token, foreign_token)

    assert (sealed(app, subscriber_id) is not None) == outcome.location.endswith(
        "/codes-de-secours"
    )
    restore_subscriber()


@settings(max_examples=25, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(submission=submissions({"code": "000000"}))
def test_the_second_page_answers_any_submission_and_opens_only_with_a_right_code(
    app, fresh_browser, foreign_token, subscriber_id, submission
):
    turn_on(app, subscriber_id)
    clear_wrong_codes(app)
    client = fresh_browser()
    assert log_in(client, EMAIL, PASSWORD).location.endswith(SECOND_STEP)
    token = token_of(client, SECOND_STEP)

    outcome = attempt(app, client, SECOND_STEP, submission, token, foreign_token)

    opened = client.get("/espace/").status_code == 200
    assert opened == outcome.location.endswith("/espace/")
    assert not opened or pyotp.TOTP(SECRET).verify("000000", valid_window=1)


@settings(max_examples=25, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(submission=submissions({"current_password": PASSWORD, "code": "000000"}))
def test_turning_off_answers_any_submission_and_needs_both(
    app, logged_in, foreign_token, subscriber_id, restore_subscriber, submission
):
    client = logged_in()  # before the app is on: the password alone logs in
    turn_on(app, subscriber_id)
    clear_wrong_codes(app)
    url = "/espace/securite/application/desactiver"
    token = token_of(client, url)

    outcome = attempt(app, client, url, submission, token, foreign_token)

    turned_off = sealed(app, subscriber_id) is None
    assert turned_off == (outcome.location == "/espace/securite")
    restore_subscriber()
