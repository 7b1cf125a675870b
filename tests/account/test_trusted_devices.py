"""Device cookies: a browser that logged in before keeps its own allowance, so strangers'
failures on unknown devices slow guessing down but never keep the owner out."""

from __future__ import annotations

from datetime import timedelta

from itsdangerous import URLSafeTimedSerializer

from tests.account.spaces import (
    SECOND_EMAIL,
    activate_another_space,
    browser,
    frozen_clock,
    is_logged_in,
    page,
)
from tests.account.test_account_throttle import LOCKED, WRONG, fail, wait_message
from tests.support import EMAIL, PASSWORD, code_from, log_in, logged_in, post_form

OWNER_IP = "203.0.113.5"
UNLOCK_OFFER = "Recevoir un lien de déblocage"


def trusted_browser(app):
    """The owner's browser: it has logged in once (and got its device cookie), then out."""
    owner = logged_in(browser(app, OWNER_IP))
    post_form(owner, "/espace/", {}, action="/espace/deconnexion")
    assert not is_logged_in(owner)
    return owner


def strangers_fail(app, times: int, clock=None) -> None:
    """`times` wrong passwords for the owner's address, each from a new IP and browser,
    waiting out each delay when a clock is given."""
    for number in range(times):
        if clock is not None and number >= 5:
            clock.shift(timedelta(minutes=min(2 ** (number - 5), 15), seconds=1))
        fail(browser(app, f"198.51.{number // 250}.{number % 250 + 1}"))


def test_six_strangers_failures_leave_the_owners_browser_in_at_once(app, subscriber):
    with frozen_clock():
        owner = trusted_browser(app)
        strangers_fail(app, 5)
        sixth = log_in(browser(app, "198.51.100.66"), password=WRONG)
        assert sixth.status_code == 429

        response = log_in(owner)

        assert response.status_code == 302
        assert is_logged_in(owner)


def test_an_unknown_browser_still_waits_after_the_strangers_failures(app, subscriber):
    with frozen_clock():
        trusted_browser(app)
        strangers_fail(app, 5)

        newcomer = browser(app, OWNER_IP)
        blocked = log_in(newcomer)

        assert blocked.status_code == 429
        assert wait_message(1) in page(blocked)
        assert UNLOCK_OFFER in page(blocked)
        assert not is_logged_in(newcomer)


def test_a_hundred_failures_lock_unknown_devices_but_not_the_trusted_one(app, subscriber):
    with frozen_clock() as clock:
        owner = trusted_browser(app)
        strangers_fail(app, 100, clock)
        clock.shift(timedelta(hours=2))

        locked = log_in(browser(app, OWNER_IP))
        assert locked.status_code == 429
        assert LOCKED in page(locked)

        assert log_in(owner).status_code == 302
        assert is_logged_in(owner)


def test_the_trusted_browser_has_its_own_waits_and_leaves_the_account_count_alone(app, subscriber):
    with frozen_clock():
        owner = trusted_browser(app)
        for _ in range(5):
            fail(owner)

        blocked = log_in(owner)
        assert blocked.status_code == 429
        assert wait_message(1) in page(blocked)
        assert UNLOCK_OFFER not in page(blocked)
        # Its failures were its own: another browser has the account's full allowance.
        assert log_in(browser(app, "198.51.100.7")).status_code == 302


def test_a_device_cookie_for_another_address_gives_no_allowance(
    app, subscriber, outbox, run_worker
):
    activate_another_space(app, outbox, run_worker)
    with frozen_clock():
        colleague = logged_in(browser(app, OWNER_IP), email=SECOND_EMAIL)
        post_form(colleague, "/espace/", {}, action="/espace/deconnexion")
        strangers_fail(app, 5)

        assert log_in(colleague).status_code == 429


def test_a_forged_device_cookie_gives_no_allowance(app, subscriber):
    with frozen_clock():
        owner = trusted_browser(app)
        genuine = owner.get_cookie("device").value
        owner.set_cookie("device", genuine[:-3] + ("AAA" if genuine[-3:] != "AAA" else "BBB"))
        strangers_fail(app, 5)

        assert log_in(owner).status_code == 429


def test_the_device_cookie_is_httponly_lax_long_lived_and_only_hashed_in_redis(
    app, subscriber, redis_client
):
    client = browser(app, OWNER_IP)
    response = log_in(client)
    header = next(
        value for value in response.headers.getlist("Set-Cookie") if value.startswith("device=")
    )

    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Max-Age=31536000" in header
    post_form(client, "/espace/", {}, action="/espace/deconnexion")
    fail(client)
    (entry,) = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt="espace-pro.trusted-device"
    ).loads(client.get_cookie("device").value)
    keys = [key.decode() for key in redis_client.keys("login:fail:*")]
    assert any(key.startswith("login:fail:device:") for key in keys)
    dump = " ".join(keys) + " ".join(
        str(redis_client.hgetall(key)) for key in keys if redis_client.type(key) == b"hash"
    )
    assert entry[1] not in dump
    assert EMAIL not in entry[0]
    assert PASSWORD not in header


def test_the_browser_that_moved_the_space_stays_trusted_under_the_new_address(
    app, subscriber, outbox, run_worker
):
    new_email = "helene.nouvelle@example.com"
    owner = logged_in(browser(app, OWNER_IP))
    post_form(
        owner,
        "/espace/adresse-de-connexion",
        {"current_password": PASSWORD, "new_email": new_email},
    )
    run_worker()
    (code_mail,) = [mail for mail in outbox if mail["To"] == new_email]
    moved = post_form(
        owner, "/espace/adresse-de-connexion/confirmer", {"code": code_from(code_mail)}
    )
    assert moved.status_code == 302
    post_form(owner, "/espace/", {}, action="/espace/deconnexion")
    with frozen_clock():
        for number in range(5):
            fail(browser(app, f"198.51.100.{number + 1}"), email=new_email)

        assert log_in(owner, email=new_email).status_code == 302
