"""Single use under concurrency: many browsers sending the right code at once get exactly one
activation and one subscriber number; the others a clear message, never an error page."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from tests.activation.helpers import (
    BUSY,
    EMAIL,
    REFUSED,
    activate,
    activated_number,
    refusal_text,
)
from tests.support import csrf_token
from tests.web.pages import Page
from web.core.secrets import codes
from web.extensions import db
from web.models import Registration, RegistrationState, SubscriberCounter

BROWSERS = 20


# Twenty posts for one address at once: more than the per-address request limit allows.
@pytest.mark.app_config(RATELIMIT_ACTIVATION="100 per hour")
def test_right_code_sent_by_twenty_browsers_at_once_activates_the_space_once(app, sign_up, count):
    code = sign_up()
    clients = [app.test_client() for _ in range(BROWSERS)]
    # Each browser has its own session and form token before the race starts.
    tokens = [csrf_token(client.get("/activation/").get_data(as_text=True)) for client in clients]
    barrier = threading.Barrier(BROWSERS, timeout=20)
    responses: list = [None] * BROWSERS
    errors: list[BaseException] = []

    def submit(index: int) -> None:
        try:
            barrier.wait()
            responses[index] = clients[index].post(
                "/activation/",
                data={
                    "csrf_token": tokens[index],
                    "email": EMAIL,
                    "code": code,
                },
                follow_redirects=True,
            )
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=submit, args=(index,)) for index in range(BROWSERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors, errors
    assert all(not thread.is_alive() for thread in threads)
    assert sorted({response.status_code for response in responses}) == [200]
    numbers = [activated_number(response) for response in responses]
    winners = [number for number in numbers if number is not None]
    assert len(winners) == 1, numbers
    for response, number in zip(responses, numbers, strict=True):
        if number is None:
            refusal = refusal_text(response)
            busy = any(notice.startswith(BUSY) for notice in Page(response).notices())
            # Either "being processed" (the code is right) or the refusal, never both.
            assert busy != (refusal is not None), Page(response).text
            assert busy or refusal.startswith(REFUSED)
    with app.app_context():
        (space,) = db.session.scalars(select(Registration)).all()
        assert space.state == RegistrationState.ACTIVE
        assert space.subscriber_number == winners[0]
    assert count(SubscriberCounter) == 1


def test_code_being_used_by_another_request_says_so_without_calling_it_incorrect(
    app, sign_up, registration, redis_client
):
    code = sign_up()
    space = registration()
    digest = codes.code_digest(app.config["SECRET_KEY"], space.id, code)
    # Another request has claimed the right code and is committing the activation.
    assert codes.check_code(redis_client, space.id, digest) is codes.CodeCheck.RIGHT

    response = activate(app.test_client(), EMAIL, code)

    page = Page(response)
    assert [notice for notice in page.notices() if notice.startswith(BUSY)] == [
        "Votre code est en cours de traitement : patientez quelques secondes puis "
        "rechargez la page."
    ]
    assert refusal_text(response) is None
    assert activated_number(response) is None
    # That other request failed to commit: the code is back, and works.
    codes.restore_claim(redis_client, space.id)
    assert activated_number(activate(app.test_client(), EMAIL, code)) is not None
