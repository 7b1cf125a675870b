"""Refused activations: one generic message for every reason, five wrong codes burn the code,
and a failed database write leaves the code usable."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy.exc import OperationalError

from tests.activation.helpers import (
    EMAIL,
    REFUSED,
    activate,
    activated_number,
    ask_new_code,
    refusal_text,
)
from tests.support import code_from
from tests.web.pages import Page
from web.activation import service
from web.core.secrets.codes import ALPHABET
from web.extensions import db
from web.models import RegistrationState, SubscriberCounter


def wrong(code: str, shift: int = 1) -> str:
    """The code with its last character changed: well formed, but not the one sent."""
    return code[:-1] + ALPHABET[(ALPHABET.index(code[-1]) + shift) % len(ALPHABET)]


def normalised(response, email: str) -> str:
    """The page with what legitimately differs (form token, typed values) blanked."""
    html = re.sub(
        r'name="csrf_token" type="hidden" value="[^"]+"', "csrf", response.get_data(as_text=True)
    )
    html = re.sub(r'(<input[^>]* name="code"[^>]* value=")[^"]*"', r'\1CODE"', html)
    return html.replace(email, "ADDRESS")


@pytest.fixture
def refused_pages(app, sign_up, time_machine):
    """The activation page for a wrong code, an unknown address and an expired code."""
    time_machine.move_to("2026-06-01 08:00:00+00:00", tick=True)
    code = sign_up(EMAIL)
    wrong_code = activate(app.test_client(), EMAIL, wrong(code))
    unknown = "personne.inconnue@example.com"
    unknown_address = activate(app.test_client(), unknown, code)
    time_machine.shift(timedelta(hours=48, minutes=1))
    expired_code = activate(app.test_client(), EMAIL, code)
    return {
        "wrong code": (wrong_code, EMAIL),
        "unknown address": (unknown_address, unknown),
        "expired code": (expired_code, EMAIL),
    }


def test_wrong_code_unknown_address_and_expired_code_get_one_identical_message(refused_pages):
    messages = {reason: refusal_text(page) for reason, (page, _) in refused_pages.items()}

    assert len(set(messages.values())) == 1, messages
    assert messages["wrong code"].startswith(REFUSED)
    for page, _ in refused_pages.values():
        assert page.status_code == 200
        assert activated_number(page) is None


def test_refused_pages_are_identical_whatever_the_reason(refused_pages):
    pages = {normalised(page, email) for page, email in refused_pages.values()}

    assert len(pages) == 1


def test_refusal_links_to_a_new_code(refused_pages):
    page, _ = refused_pages["wrong code"]

    refusal = Page(page).element("activation-refused")
    links = {node.text: node.attrs["href"] for node in refusal.find_all("a")}
    assert links["demandez un nouveau code"] == "/activation/nouveau-code"


def test_expired_code_is_refused_even_while_its_redis_key_lives(
    app, time_machine, sign_up, registration, redis_client
):
    # The 48 h are counted by the app's clock (the deadline in the mail), not only by Redis'.
    time_machine.move_to("2026-06-01 08:00:00+00:00", tick=True)
    code = sign_up()
    time_machine.shift(timedelta(hours=48, minutes=1))

    response = activate(app.test_client(), EMAIL, code)

    assert redis_client.exists(f"activation:code:{registration().id}")
    assert refusal_text(response).startswith(REFUSED)
    assert registration().state == RegistrationState.CODE_SENT


def test_code_is_still_accepted_a_minute_before_its_deadline(app, time_machine, sign_up):
    time_machine.move_to("2026-06-01 08:00:00+00:00", tick=True)
    code = sign_up()
    time_machine.shift(timedelta(hours=47, minutes=59))

    assert activated_number(activate(app.test_client(), EMAIL, code)) is not None


# --- five wrong codes burn the code ----------------------------------------------------------


def test_four_wrong_codes_leave_the_right_one_working(client, sign_up):
    code = sign_up()
    for attempt in range(1, 5):
        assert refusal_text(activate(client, EMAIL, wrong(code, attempt))).startswith(REFUSED)

    assert activated_number(activate(client, EMAIL, code)) is not None


def test_fifth_wrong_code_burns_the_code(client, sign_up, registration, redis_client):
    code = sign_up()
    for attempt in range(1, 6):
        activate(client, EMAIL, wrong(code, attempt))

    response = activate(client, EMAIL, code)

    assert refusal_text(response).startswith(REFUSED)
    assert not redis_client.exists(f"activation:code:{registration().id}")
    assert registration().state == RegistrationState.CODE_SENT


def test_wrong_codes_from_different_browsers_add_up(app, sign_up):
    code = sign_up()
    for attempt in range(1, 6):
        activate(app.test_client(), EMAIL, wrong(code, attempt))

    assert refusal_text(activate(app.test_client(), EMAIL, code)).startswith(REFUSED)


def test_burned_code_stays_refused_until_a_new_code_is_requested(
    app, client, sign_up, run_worker, outbox
):
    code = sign_up()
    for attempt in range(1, 6):
        activate(client, EMAIL, wrong(code, attempt))
    assert refusal_text(activate(client, EMAIL, code)).startswith(REFUSED)

    ask_new_code(app.test_client(), EMAIL)
    run_worker()

    new = code_from(outbox[-1])
    assert new != code
    assert refusal_text(activate(client, EMAIL, code)).startswith(REFUSED)
    assert activated_number(activate(client, EMAIL, new)) is not None


def test_new_code_starts_with_a_fresh_count_of_wrong_attempts(
    app, client, sign_up, run_worker, outbox
):
    code = sign_up()
    for attempt in range(1, 5):
        activate(client, EMAIL, wrong(code, attempt))
    ask_new_code(app.test_client(), EMAIL)
    run_worker()
    new = code_from(outbox[-1])

    for attempt in range(1, 5):
        activate(client, EMAIL, wrong(new, attempt))

    assert activated_number(activate(client, EMAIL, new)) is not None


# --- a failed database write does not consume the code ----------------------------------------


def fail_once(monkeypatch, error: Exception) -> list:
    """Make issuing the subscriber number raise `error` the first time only."""
    original = service._issue_subscriber_number
    calls = []

    def issue(registration):
        calls.append(registration.id)
        if len(calls) == 1:
            raise error
        return original(registration)

    monkeypatch.setattr(service, "_issue_subscriber_number", issue)
    return calls


def test_database_unavailable_shows_the_french_503_page_and_the_code_still_works(
    client, sign_up, monkeypatch, registration
):
    code = sign_up()
    calls = fail_once(monkeypatch, OperationalError("INSERT", {}, Exception("server gone")))

    response = activate(client, EMAIL, code)

    page = Page(response)
    assert response.status_code == 503
    assert page.h1 == "Service momentanément indisponible"
    assert "Rien n'a été enregistré : réessayez dans quelques instants." in page.text
    assert "Traceback" not in page.html and "OperationalError" not in page.html
    assert registration().state == RegistrationState.CODE_SENT
    assert activated_number(activate(client, EMAIL, code)) is not None
    assert len(calls) == 2


def test_unexpected_error_shows_the_french_500_page_and_the_code_still_works(
    client, sign_up, monkeypatch, registration
):
    code = sign_up()
    fail_once(monkeypatch, RuntimeError("disk full"))

    response = activate(client, EMAIL, code)

    page = Page(response)
    assert response.status_code == 500
    assert page.h1 == "Erreur du service"
    assert "Traceback" not in page.html and "disk full" not in page.html
    assert activated_number(activate(client, EMAIL, code)) is not None


def test_failed_insert_of_the_counter_rolls_back_and_the_code_still_works(
    app, client, sign_up, registration, count
):
    code = sign_up()
    space = registration()
    with app.app_context():
        # A row already holding this registration's counter: the real INSERT fails (unique).
        db.session.add(SubscriberCounter(registration_id=space.id))
        db.session.commit()

    response = activate(client, EMAIL, code)

    assert response.status_code == 500
    assert Page(response).h1 == "Erreur du service"
    assert registration().state == RegistrationState.CODE_SENT
    assert registration().subscriber_number is None
    with app.app_context():
        db.session.query(SubscriberCounter).delete()
        db.session.commit()
    assert activated_number(activate(client, EMAIL, code)) is not None
    assert count(SubscriberCounter) == 1
