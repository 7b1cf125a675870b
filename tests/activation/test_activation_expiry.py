"""48 h without activation: the space expires, its personal data and Redis keys are erased,
the address is free again, and the old code gets the generic refusal."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from mailer.maintenance import expire_registrations
from tests.activation.helpers import (
    EMAIL,
    REFUSED,
    activate,
    activated_number,
    mails_to,
    refusal_text,
    resend,
)
from tests.support import code_from
from tests.web.pages import Page
from web.core.subscribers import PERSONAL_COLUMNS
from web.models import Registration, RegistrationState

START = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)


def keys_of(redis_client, registration_id: int) -> list[bytes]:
    return [
        key
        for key in redis_client.scan_iter("*")
        if key.decode().endswith(f":{registration_id}") and key.decode().startswith("activation:")
    ]


def test_space_not_activated_within_48_hours_expires_and_its_personal_data_is_erased(
    app, time_machine, sign_up, registration, redis_client
):
    time_machine.move_to(START, tick=True)
    code = sign_up()
    space = registration()
    activate(app.test_client(), EMAIL, code[:-1] + ("0" if code[-1] != "0" else "1"))
    assert keys_of(redis_client, space.id)  # the code and its wrong-attempt count

    time_machine.shift(timedelta(hours=48, minutes=1))
    with app.app_context():
        expired = expire_registrations()

    assert expired == 1
    gone = registration(email=None, registration_id=space.id)
    assert gone.state == RegistrationState.EXPIRED
    assert gone.expired_at is not None
    for column in PERSONAL_COLUMNS:
        assert getattr(gone, column) is None, column
    for column in (
        "email",
        "password_hash",
        "last_name",
        "first_name",
        "phone",
        "contact_email",
        "trust_answer_hash",
        "company_id",
        "street_name",
    ):
        assert column in PERSONAL_COLUMNS
    assert keys_of(redis_client, space.id) == []
    assert refusal_text(activate(app.test_client(), EMAIL, code)).startswith(REFUSED)


def test_space_is_kept_a_minute_before_its_48_hours(app, time_machine, sign_up, registration):
    time_machine.move_to(START, tick=True)
    code = sign_up()

    time_machine.shift(timedelta(hours=47, minutes=59))
    with app.app_context():
        assert expire_registrations() == 0

    assert registration().email == EMAIL
    assert activated_number(activate(app.test_client(), EMAIL, code)) is not None


def test_active_space_never_expires(app, time_machine, sign_up, registration):
    time_machine.move_to(START, tick=True)
    activate(app.test_client(), EMAIL, sign_up())

    time_machine.shift(timedelta(days=30))
    with app.app_context():
        assert expire_registrations() == 0

    assert registration().state == RegistrationState.ACTIVE


def test_expired_address_can_sign_up_again_and_the_old_code_stays_refused(
    app, time_machine, sign_up, outbox, count, registration
):
    time_machine.move_to(START, tick=True)
    old = sign_up()
    first_id = registration().id
    time_machine.shift(timedelta(hours=48, minutes=1))
    with app.app_context():
        expire_registrations()

    new = sign_up()

    assert count(Registration) == 2
    fresh = registration()
    assert fresh.id != first_id
    assert fresh.state == RegistrationState.CODE_SENT
    assert len(mails_to(outbox, EMAIL)) == 2
    assert code_from(outbox[-1]) == new != old
    assert refusal_text(activate(app.test_client(), EMAIL, old)).startswith(REFUSED)
    assert activated_number(activate(app.test_client(), EMAIL, new)) is not None


def test_pending_space_whose_mail_never_left_expires_48_hours_after_confirmation(
    app, time_machine, wizard, registration
):
    time_machine.move_to(START, tick=True)
    wizard.complete()  # no worker: the code was never sent

    time_machine.shift(timedelta(hours=48, minutes=1))
    with app.app_context():
        assert expire_registrations() == 1

    assert registration(email=None).state == RegistrationState.EXPIRED


@pytest.mark.app_config(ACTIVATION_CODE_TTL_SECONDS=1)
def test_code_whose_redis_key_expired_is_refused(app, sign_up, registration, redis_client):
    code = sign_up()
    key = f"activation:code:{registration().id}"

    # The one real wait of the suite: Redis' own TTL is what is tested here (≤ 3 s).
    deadline = time.monotonic() + 3
    while redis_client.exists(key) and time.monotonic() < deadline:
        time.sleep(0.05)

    assert not redis_client.exists(key)
    assert refusal_text(activate(app.test_client(), EMAIL, code)).startswith(REFUSED)


@pytest.mark.app_config(ACTIVATION_CODE_TTL_SECONDS=3600)  # within the browser session's life
def test_resend_after_expiry_says_the_sign_up_was_erased(
    app, client, time_machine, sign_up, run_worker, outbox
):
    time_machine.move_to(START, tick=True)
    sign_up(client=client)
    time_machine.shift(timedelta(hours=1, minutes=1))
    with app.app_context():
        expire_registrations()

    response = resend(client)
    run_worker()

    page = Page(response)
    assert response.request.path == "/inscription/etape-1"
    assert (
        "Le délai de 1 heure est dépassé et votre inscription a été effacée : recommencez "
        "votre inscription."
    ) in page.notices()
    assert len(outbox) == 1
