"""Failed logins: growing delays per address (at most 15 min), a hard lock at 100, an IP cap."""

from __future__ import annotations

from datetime import timedelta

from tests.account.spaces import (
    SECOND_EMAIL,
    activate_another_space,
    browser,
    frozen_clock,
    is_logged_in,
    mails_to,
    page,
    reset_link,
)
from tests.support import EMAIL, log_in, post_form
from web.core.login_throttle import account_key

WRONG = "Mauvais99Mot"
NEW_PASSWORD = "Heron58Quartz"
REFUSED = "Adresse électronique ou mot de passe incorrect."
LOCKED = (
    "Trop de tentatives infructueuses : pour des raisons de sécurité, utilisez "
    "« Mot de passe oublié » pour retrouver l'accès à votre espace."
)


def wait_message(minutes: int) -> str:
    return f"Trop de tentatives infructueuses : réessayez dans {minutes} minute(s)."


def fail(client, email: str = EMAIL) -> None:
    """One wrong password, refused as such (so counted)."""
    response = log_in(client, email=email, password=WRONG)
    assert response.status_code == 401
    assert REFUSED in page(response)


def test_the_sixth_attempt_waits_a_minute_even_with_the_right_password(app, subscriber):
    client = browser(app, "203.0.113.5")
    with frozen_clock() as clock:
        for _ in range(5):
            fail(client)

        response = log_in(client)

        assert response.status_code == 429
        assert wait_message(1) in page(response)
        assert REFUSED not in page(response)
        assert not is_logged_in(client)
        clock.shift(timedelta(seconds=30))
        assert wait_message(1) in page(log_in(client))
        clock.shift(timedelta(seconds=31))

        assert log_in(client).status_code == 302
        assert is_logged_in(client)


def test_the_delays_double_from_one_minute_and_never_exceed_fifteen(app, subscriber):
    client = browser(app, "203.0.113.5")
    with frozen_clock() as clock:
        for _ in range(5):
            fail(client)
        for minutes in (1, 2, 4, 8, 15, 15, 15):
            blocked = log_in(client)
            assert blocked.status_code == 429
            assert wait_message(minutes) in page(blocked)
            clock.shift(timedelta(minutes=minutes, seconds=1))
            fail(client)

        clock.shift(timedelta(minutes=15, seconds=1))
        assert log_in(client).status_code == 302


def test_the_failure_count_is_per_address(app, outbox, run_worker, subscriber):
    activate_another_space(app, outbox, run_worker)
    office = browser(app, "203.0.113.5")
    with frozen_clock():
        for _ in range(5):
            fail(office)
        assert log_in(office).status_code == 429

        colleague = browser(app, "203.0.113.5")
        response = log_in(colleague, email=SECOND_EMAIL)

        assert response.status_code == 302
        assert is_logged_in(colleague)


def test_a_strangers_failures_keep_the_owner_out_fifteen_minutes_at_most(app, subscriber):
    stranger = browser(app, "203.0.113.66")
    owner = browser(app, "203.0.113.5")
    with frozen_clock() as clock:
        for _ in range(5):
            fail(stranger)
        for minutes in (1, 2, 4, 8, 15, 15, 15, 15):
            clock.shift(timedelta(minutes=minutes, seconds=1))
            fail(stranger)

        blocked = log_in(owner)
        assert blocked.status_code == 429
        assert wait_message(15) in page(blocked)
        clock.shift(timedelta(minutes=15, seconds=1))

        assert log_in(owner).status_code == 302
        assert is_logged_in(owner)


def test_a_successful_login_starts_the_count_again(app, subscriber):
    client = browser(app, "203.0.113.5")
    with frozen_clock():
        for _ in range(4):
            fail(client)
        assert log_in(client).status_code == 302
        post_form(client, "/espace/", {}, action="/espace/deconnexion")

        for _ in range(4):
            fail(client)
        assert log_in(client).status_code == 302


def test_a_hundred_failures_lock_the_account_until_a_password_reset(
    app, subscriber, outbox, run_worker
):
    client = browser(app, "203.0.113.5")
    with frozen_clock() as clock:
        for failures in range(100):
            if failures >= 5:
                clock.shift(timedelta(minutes=min(2 ** (failures - 5), 15), seconds=1))
            fail(client)
        clock.shift(timedelta(hours=2))

        locked = log_in(client)

        assert locked.status_code == 429
        assert LOCKED in page(locked)
        assert not is_logged_in(client)
        # The lock does not lapse with the counter's 24 h expiry: only a reset lifts it.
        with app.app_context():
            key = account_key(EMAIL)
        assert app.extensions["redis"].ttl(key) == -1
        # The counter's key holds a keyed hash of the address, never the address.
        assert not [k for k in app.extensions["redis"].keys("*") if EMAIL.encode() in k]

        recovery = browser(app, "203.0.113.5")
        post_form(
            recovery,
            "/recuperation/mot-de-passe",
            {"email": EMAIL, "subscriber_number": subscriber.subscriber_number},
        )
        run_worker()
        (mail,) = mails_to(outbox, EMAIL, "Réinitialisation")
        recovery.get(reset_link(mail))
        post_form(recovery, "/recuperation/reinitialiser", {"answer": "Caramel des Prés"})
        done = post_form(
            recovery,
            "/recuperation/nouveau-mot-de-passe",
            {"new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
        )
        assert done.status_code == 302

        assert log_in(client, password=NEW_PASSWORD).status_code == 302
        assert is_logged_in(client)


def test_fifty_failures_from_one_ip_within_fifteen_minutes_block_that_ip(app, subscriber):
    crawler = browser(app, "203.0.113.9")
    with frozen_clock() as clock:
        for person in range(10):
            for _ in range(5):
                fail(crawler, email=f"personne{person}@example.com")

        blocked = log_in(crawler)  # the right password, from the blocked IP

        assert blocked.status_code == 429
        assert wait_message(15) in page(blocked)
        elsewhere = browser(app, "203.0.113.5")
        assert log_in(elsewhere).status_code == 302
        clock.shift(timedelta(minutes=15, seconds=1))
        assert log_in(crawler).status_code == 302


def test_forty_nine_failures_from_one_ip_do_not_block_it(app, subscriber):
    crawler = browser(app, "203.0.113.9")
    with frozen_clock():
        for attempt in range(49):
            fail(crawler, email=f"personne{attempt // 5}@example.com")

        assert log_in(crawler).status_code == 302


def test_the_per_ip_window_forgets_failures_older_than_fifteen_minutes(app, subscriber):
    crawler = browser(app, "203.0.113.9")
    with frozen_clock() as clock:
        for attempt in range(40):
            fail(crawler, email=f"personne{attempt // 5}@example.com")
        clock.shift(timedelta(minutes=15, seconds=1))
        for attempt in range(40):
            fail(crawler, email=f"autre{attempt // 5}@example.com")

        assert log_in(crawler).status_code == 302


def test_failures_count_for_the_address_whatever_its_case(app, subscriber):
    client = browser(app, "203.0.113.5")
    with frozen_clock():
        for variant in (
            "Helene.Lefevre@example.com",
            "HELENE.LEFEVRE@EXAMPLE.COM",
            EMAIL,
            "helene.lefevre@EXAMPLE.com",
            "Helene.Lefevre@Example.Com",
        ):
            fail(client, email=variant)

        blocked = log_in(client)

    assert blocked.status_code == 429
    assert wait_message(1) in page(blocked)
