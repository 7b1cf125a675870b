"""« Débloquer ma connexion »: a single-use mailed link lifts the lock strangers caused and
makes the owner's browser a trusted one."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.account.spaces import browser, frozen_clock, is_logged_in, mails_to, page
from tests.account.test_account_throttle import LOCKED, fail
from tests.support import EMAIL, log_in, post_form, text_of

UNLOCK_LINK = re.compile(r"https?://\S+/recuperation/deblocage/lien\?jeton=[^\s\"<>]+")
SUBJECT = "Débloquez la connexion"
SENT = "un courriel contenant un lien de déblocage vient de lui être envoyé"
USED = "Ce lien de déblocage n'est pas valide ou a déjà été utilisé."
UNLOCKED = "Votre connexion est débloquée"


def lock_out(app, clock) -> None:
    """A hundred failures from strangers' unknown browsers: the account is locked."""
    for number in range(100):
        if number >= 5:
            clock.shift(timedelta(minutes=min(2 ** (number - 5), 15), seconds=1))
        fail(browser(app, f"198.51.100.{number % 250 + 1}"))
    clock.shift(timedelta(hours=2))


def unlock_path(mail) -> str:
    match = UNLOCK_LINK.search(text_of(mail))
    assert match, "no unlock link in the mail"
    return match.group(0).split("espace-pro.example.com", 1)[1]


def ask_from_login_page(client) -> str:
    """Try to log in, meet the lock, and press « Recevoir un lien de déblocage »."""
    locked = log_in(client)
    assert locked.status_code == 429
    assert LOCKED in page(locked)
    assert "Recevoir un lien de déblocage" in page(locked)
    answer = post_form(
        client, "/espace/connexion", {"email": EMAIL}, action="/recuperation/deblocage"
    )
    assert SENT in page(answer)
    return page(answer)


def test_the_unlock_link_lifts_the_lock_once_and_trusts_the_browser(
    app, subscriber, outbox, run_worker, redis_client
):
    with frozen_clock() as clock:
        lock_out(app, clock)
        owner = browser(app, "203.0.113.5")
        ask_from_login_page(owner)
        run_worker()
        (mail,) = mails_to(outbox, EMAIL, SUBJECT)
        path = unlock_path(mail)
        token = path.split("jeton=", 1)[1]
        # Redis keeps a keyed hash of the link's nonce, not the link.
        for key in redis_client.keys("login:unlock:*"):
            assert token not in key.decode()

        landing = owner.get(path)
        assert landing.status_code == 200
        unlocked = post_form(owner, path, {"token": token}, action="/recuperation/deblocage/lien")
        assert unlocked.status_code == 302
        assert unlocked.location.endswith("/espace/connexion")
        assert UNLOCKED in page(owner.get("/espace/connexion"))
        assert log_in(owner).status_code == 302
        assert is_logged_in(owner)

        again = browser(app, "203.0.113.5")
        second = post_form(
            again, "/espace/connexion", {"token": token}, action="/recuperation/deblocage/lien"
        )
        assert second.status_code == 400
        assert USED in page(second)
        assert USED in page(again.get(path))
        history = page(owner.get("/espace/historique"))
        assert "Connexion débloquée par le lien reçu" in history


def test_the_lock_lifted_by_the_link_returns_only_after_new_failures(
    app, subscriber, outbox, run_worker
):
    with frozen_clock() as clock:
        lock_out(app, clock)
        owner = browser(app, "203.0.113.5")
        ask_from_login_page(owner)
        run_worker()
        path = unlock_path(mails_to(outbox, EMAIL, SUBJECT)[0])
        post_form(owner, path, {"token": path.split("jeton=", 1)[1]}, action=path.split("?")[0])

        # Unknown browsers get the account's allowance back too.
        assert log_in(browser(app, "198.51.100.200")).status_code == 302


def test_no_link_is_mailed_for_an_open_account_or_an_unknown_address(
    app, subscriber, outbox, run_worker
):
    client = browser(app, "203.0.113.5")
    for email in (EMAIL, "personne@example.com"):
        answer = post_form(client, "/recuperation/deblocage", {"email": email})
        assert SENT in page(answer)
    run_worker()

    assert mails_to(outbox, EMAIL, SUBJECT) == []
    assert mails_to(outbox, "personne@example.com") == []


def test_at_most_three_unlock_links_an_hour_reach_a_space(app, subscriber, outbox, run_worker):
    with frozen_clock():
        for number in range(5):
            fail(browser(app, f"198.51.100.{number + 1}"))
        asker = browser(app, "198.51.100.99")
        for _ in range(4):
            answer = post_form(asker, "/recuperation/deblocage", {"email": EMAIL})
            assert SENT in page(answer)
            run_worker()  # one link at a time (owed rows pending together make one mail)
        assert len(mails_to(outbox, EMAIL, SUBJECT)) == 3
        # The allowance lasts an hour (a Redis TTL: Redis' own clock, not moved here).
        assert 3590 <= app.extensions["redis"].ttl(f"recovery:unlock-mails:{subscriber.id}") <= 3600
