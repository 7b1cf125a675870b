"""The link, the trust question, a new password: then every session ends and a notice is mailed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.account.spaces import (
    answer_question,
    ask_for_reset_link,
    browser,
    choose_new_password,
    frozen_clock,
    is_logged_in,
    mails_to,
    page,
    text_of,
)
from tests.support import EMAIL, PASSWORD, log_in, post_form

NEW_PASSWORD = "Heron58Quartz"
INVALID = "Ce lien n'est pas valide ou a déjà été utilisé."
EXPIRED = "Ce lien a expiré : il n'est valable qu'une heure."


@pytest.fixture
def link(app, subscriber, outbox, run_worker) -> str:
    """A fresh reset link for the subscriber, as mailed."""
    found = ask_for_reset_link(app, outbox, run_worker, EMAIL, subscriber.subscriber_number)
    outbox.clear()
    return found


@pytest.fixture
def answered(app, link):
    """A browser that opened the link and answered the question."""
    client = browser(app, "203.0.113.5")
    client.get(link)
    assert answer_question(client, "Caramel des Prés").status_code == 302
    return client


def test_a_wrong_answer_says_how_many_tries_are_left(app, link):
    client = browser(app)
    client.get(link)

    response = answer_question(client, "Chocolat")

    assert response.status_code == 200
    html = page(response)
    assert "Réponse incorrecte. Il vous reste 4 essai(s)." in html
    assert "Quel était le nom de votre premier animal de compagnie ?" in html
    assert "Réponse incorrecte. Il vous reste 3 essai(s)." in page(answer_question(client, "Moka"))


def test_the_right_answer_typed_with_other_case_accents_and_spaces_opens_the_new_password_form(
    app, link
):
    client = browser(app)
    client.get(link)

    response = answer_question(client, "  CARAMEL   des  pres ")

    assert response.status_code == 302
    assert response.location == "/recuperation/nouveau-mot-de-passe"
    form = page(client.get(response.location))
    assert "Choisissez un nouveau mot de passe" in form
    assert 'name="new_password"' in form


def test_the_new_password_form_is_not_shown_before_the_question_is_answered(app, link):
    client = browser(app)
    client.get(link)

    response = client.get("/recuperation/nouveau-mot-de-passe")

    assert response.status_code == 302
    assert response.location == "/recuperation/reinitialiser"
    posted = post_form(
        client,
        "/recuperation/reinitialiser",
        {"new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
        action="/recuperation/nouveau-mot-de-passe",
    )
    assert posted.status_code == 302 and posted.location == "/recuperation/reinitialiser"
    assert log_in(browser(app)).status_code == 302  # the password did not change


@pytest.mark.parametrize(
    ("new", "confirm", "message"),
    [
        ("Ab1", None, "Le mot de passe doit contenir au moins 8 caractères."),
        (
            "Kestrel42Vine!",
            None,
            "Le mot de passe ne peut contenir que des lettres non accentuées et des chiffres.",
        ),
        ("password1", None, "Ce mot de passe est trop courant"),
        (
            "LEFEVREhelene9",
            None,
            "Le mot de passe ne doit pas contenir votre adresse électronique.",
        ),
        (NEW_PASSWORD, "Heron58Quart", "Les deux mots de passe ne sont pas identiques."),
    ],
    ids=["too-short", "not-alphanumeric", "common", "contains-address", "mismatch"],
)
def test_the_new_password_follows_the_policy(
    app, answered, outbox, run_worker, new, confirm, message
):
    response = choose_new_password(answered, new, confirm)

    assert response.status_code == 200
    assert message in page(response)
    run_worker()
    assert outbox == []
    assert log_in(browser(app)).status_code == 302


def test_after_a_reset_only_the_new_password_opens_the_space(app, answered):
    choose_new_password(answered, NEW_PASSWORD)

    assert log_in(browser(app), password=NEW_PASSWORD).status_code == 302
    refused = log_in(browser(app), password=PASSWORD)
    assert refused.status_code == 401
    assert "Adresse électronique ou mot de passe incorrect." in page(refused)


def test_a_reset_ends_every_session_of_the_subscriber(app, link):
    office, home = browser(app), browser(app, "203.0.113.7")
    log_in(office)
    log_in(home)
    client = browser(app, "203.0.113.5")
    client.get(link)
    answer_question(client, "Caramel des Prés")

    choose_new_password(client, NEW_PASSWORD)

    assert not is_logged_in(office)
    assert not is_logged_in(home)


def test_a_reset_mails_a_notice(app, answered, outbox, run_worker):
    choose_new_password(answered, NEW_PASSWORD)
    run_worker()

    (mail,) = mails_to(outbox, EMAIL)
    assert mail["Subject"] == "Votre mot de passe espace-pro a été réinitialisé"
    assert "a été réinitialisé le" in text_of(mail)
    assert NEW_PASSWORD not in mail.as_string()


def test_a_reset_does_not_log_in_and_shows_the_login_page(app, answered):
    response = choose_new_password(answered, NEW_PASSWORD)

    assert response.status_code == 302 and response.location == "/espace/connexion"
    html = page(answered.get(response.location))
    assert (
        "Votre mot de passe a été réinitialisé. Connectez-vous avec votre nouveau mot de passe."
    ) in html
    assert "Accédez à votre espace abonné" in html
    assert not is_logged_in(answered)


def test_the_link_is_dead_once_used(app, link, answered):
    choose_new_password(answered, NEW_PASSWORD)

    reused = browser(app).get(link)

    assert reused.status_code == 400
    assert INVALID in page(reused)
    # Nor can the browser that used it go on with its recovery.
    again = answered.get("/recuperation/nouveau-mot-de-passe")
    assert again.status_code == 400 and INVALID in page(again)


def test_a_password_change_in_the_space_kills_a_pending_link(app, link, client):
    log_in(client)
    post_form(
        client,
        "/espace/mot-de-passe",
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        },
    )

    response = browser(app).get(link)

    assert response.status_code == 400
    assert INVALID in page(response)


def test_a_link_opened_after_sixty_one_minutes_has_expired(app, link):
    with frozen_clock() as clock:
        clock.shift(timedelta(minutes=61))

        response = browser(app).get(link)

    assert response.status_code == 400
    assert EXPIRED in page(response)
    assert "Quel était le nom" not in page(response)


def test_a_link_opened_after_fifty_nine_minutes_still_works(app, link):
    with frozen_clock() as clock:
        clock.shift(timedelta(minutes=59))
        client = browser(app)

        response = client.get(link, follow_redirects=True)

    assert "Quel était le nom de votre premier animal de compagnie ?" in page(response)
