"""Issue 12 point 12 after recovery: the new password follows the same strength rule, with
the subscriber's own data as context."""

from __future__ import annotations

import pytest

from tests.account.spaces import (
    answer_question,
    ask_for_reset_link,
    browser,
    choose_new_password,
    page,
)
from tests.support import EMAIL, log_in
from web.domain.passwords import COMMON_WITH_DIGITS, WEAK_PERSONAL, WEAK_SEQUENCE


@pytest.fixture
def answered(app, subscriber, outbox, run_worker):
    """A browser that opened a fresh reset link and answered the question."""
    link = ask_for_reset_link(app, outbox, run_worker, EMAIL, subscriber.subscriber_number)
    outbox.clear()
    client = browser(app, "203.0.113.5")
    client.get(link)
    assert answer_question(client, "Caramel des Prés").status_code == 302
    return client


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("Lilas75011Paris", WEAK_PERSONAL),
        ("Motdepasse1", COMMON_WITH_DIGITS),
        ("abcdefgh", WEAK_SEQUENCE),
    ],
)
def test_a_weak_new_password_is_refused_and_the_space_keeps_its_password(
    app, answered, new, message
):
    response = choose_new_password(answered, new)

    assert response.status_code == 200
    assert message in page(response)
    assert log_in(browser(app)).status_code == 302


def test_a_strong_new_password_is_accepted(app, answered):
    response = choose_new_password(answered, "Heron58Quartz")

    assert response.status_code == 302
    assert log_in(browser(app), password="Heron58Quartz").status_code == 302
