"""Session limits: 30 minutes idle, 12 hours in all, whatever the activity (time is moved)."""

from __future__ import annotations

from datetime import timedelta

from tests.account.spaces import frozen_clock, is_logged_in
from tests.support import log_in


def test_thirty_one_idle_minutes_send_the_subscriber_back_to_the_login_page(client, subscriber):
    with frozen_clock() as clock:
        log_in(client)
        clock.shift(timedelta(minutes=31))

        response = client.get("/espace/", follow_redirects=True)

    html = response.get_data(as_text=True)
    assert "Accédez à votre espace abonné" in html
    assert "Veuillez vous connecter pour accéder à votre espace abonné." in html
    assert subscriber.subscriber_number not in html


def test_twenty_nine_idle_minutes_still_show_the_space(client, subscriber):
    with frozen_clock() as clock:
        log_in(client)
        clock.shift(timedelta(minutes=29))

        assert is_logged_in(client)


def test_activity_every_twenty_nine_minutes_keeps_the_session_alive(client, subscriber):
    with frozen_clock() as clock:
        log_in(client)
        for _ in range(6):  # 2 h 54 min in all: far beyond one idle period
            clock.shift(timedelta(minutes=29))
            assert is_logged_in(client)
        clock.shift(timedelta(minutes=31))

        assert not is_logged_in(client)


def test_a_session_ends_after_twelve_hours_even_when_active_every_twenty_minutes(
    client, subscriber
):
    with frozen_clock() as clock:
        log_in(client)
        for step in range(35):  # up to 11 h 40 min
            clock.shift(timedelta(minutes=20))
            assert is_logged_in(client), f"logged out after {(step + 1) * 20} minutes"
        clock.shift(timedelta(minutes=21))  # 12 h 01 min; only 21 minutes idle

        response = client.get("/espace/", follow_redirects=True)

    assert "Veuillez vous connecter pour accéder à votre espace abonné." in response.get_data(
        as_text=True
    )


def test_a_new_login_after_the_absolute_limit_opens_a_fresh_twelve_hours(client, subscriber):
    with frozen_clock() as clock:
        log_in(client)
        clock.shift(timedelta(hours=12, minutes=1))
        assert not is_logged_in(client)

        log_in(client)
        for _ in range(28):  # 11 h 40 min of activity after the new login
            clock.shift(timedelta(minutes=25))
            assert is_logged_in(client)
