"""« Historique »: this subscriber's logins, failures, logouts and changes, with date and IP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.account.spaces import (
    SECOND_EMAIL,
    activate_another_space,
    browser,
    frozen_clock,
)
from tests.support import PASSWORD, log_in, post_form
from tests.web.pages import Page

NEW_PASSWORD = "Heron58Quartz"
# 14 March 2030, 09:04 UTC = 10:04 in Paris (winter time).
START = datetime(2030, 3, 14, 9, 4, tzinfo=UTC)


def history_rows(client) -> list[tuple[str, str, str]]:
    """(date, event, IP) of each line of the history page, newest first."""
    history = Page(client.get("/espace/historique"))
    assert history.h1 == "Historique"
    return [(date, event, ip) for date, event, _, ip in history.table_cells()]


def test_the_history_lists_logins_failures_logouts_and_password_changes_with_date_and_ip(
    app, subscriber, outbox, run_worker
):
    activate_another_space(app, outbox, run_worker)
    with frozen_clock(START) as clock:
        neighbour = browser(app, "203.0.113.77")
        log_in(neighbour, email=SECOND_EMAIL, password="Mauvais99Mot")
        log_in(neighbour, email=SECOND_EMAIL)
        clock.shift(timedelta(minutes=1))
        log_in(browser(app, "203.0.113.7"), password="Mauvais99Mot")
        clock.shift(timedelta(minutes=1))
        owner = browser(app, "203.0.113.5")
        log_in(owner)
        clock.shift(timedelta(minutes=1))
        post_form(
            owner,
            "/espace/mot-de-passe",
            {
                "current_password": PASSWORD,
                "new_password": NEW_PASSWORD,
                "new_password_confirm": NEW_PASSWORD,
            },
        )
        clock.shift(timedelta(minutes=1))
        post_form(owner, "/espace/", {}, action="/espace/deconnexion")
        clock.shift(timedelta(minutes=1))
        log_in(owner, password=NEW_PASSWORD)
        run_worker()  # failed logins reach the history through the worker, dated when made

        rows = history_rows(owner)

    assert rows[:5] == [
        ("14 mars 2030 à 10:09", "Connexion", "203.0.113.5"),
        ("14 mars 2030 à 10:08", "Déconnexion", "203.0.113.5"),
        ("14 mars 2030 à 10:07", "Mot de passe modifié", "203.0.113.5"),
        ("14 mars 2030 à 10:06", "Connexion", "203.0.113.5"),
        ("14 mars 2030 à 10:05", "Échec de connexion", "203.0.113.7"),
    ]
    assert all("2030" not in date for date, _, _ in rows[5:])  # only earlier events remain
    assert all(ip != "203.0.113.77" for _, _, ip in rows)


def test_the_history_shows_only_the_logged_in_subscribers_events(
    app, subscriber, outbox, run_worker
):
    activate_another_space(app, outbox, run_worker)
    owner = browser(app, "203.0.113.5")
    log_in(owner, password="Mauvais99Mot")
    log_in(owner)
    neighbour = browser(app, "203.0.113.77")
    log_in(neighbour, email=SECOND_EMAIL)
    run_worker()  # the failed login reaches the history through the worker

    neighbour_rows = history_rows(neighbour)
    owner_rows = history_rows(owner)

    # Activation lines aside (made by the sign-up helpers), each sees only their own events.
    logins = {"Connexion", "Échec de connexion", "Déconnexion"}
    assert [(event, ip) for _, event, ip in neighbour_rows if event in logins] == [
        ("Connexion", "203.0.113.77")
    ]
    assert [(event, ip) for _, event, ip in owner_rows if event in logins] == [
        ("Connexion", "203.0.113.5"),
        ("Échec de connexion", "203.0.113.5"),
    ]


def test_a_failed_login_on_an_unknown_address_is_recorded_nowhere(app, subscriber, run_worker):
    log_in(browser(app, "203.0.113.7"), email="personne@example.com", password="Mauvais99Mot")
    run_worker()
    owner = browser(app, "203.0.113.5")
    log_in(owner)

    rows = history_rows(owner)

    assert all(ip != "203.0.113.7" for _, _, ip in rows)
