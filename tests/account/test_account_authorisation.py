"""Every page of the space needs a login; every form needs its CSRF token, or nothing happens."""

from __future__ import annotations

import pytest
from flask import url_for

from tests.account.spaces import (
    answer_question,
    ask_for_reset_link,
    browser,
    is_logged_in,
    page,
)
from tests.scans import database_texts
from tests.support import EMAIL, PASSWORD, log_in
from web import create_app

NEW_PASSWORD = "Heron58Quartz"
EXPIRED_FORM = "Le formulaire a expiré ou n'est plus valide. Rechargez la page et recommencez."
# Plausible values for every field of every form of the space and of recovery.
FORM_VALUES = {
    "email": EMAIL,
    "password": PASSWORD,
    "current_password": PASSWORD,
    "new_password": NEW_PASSWORD,
    "new_password_confirm": NEW_PASSWORD,
    "trust_question": "favourite_book",
    "trust_answer": "Les Misérables",
    "answer": "Caramel des Prés",
    "siren": "732829320",
    "label": "Boulangerie",
    "role": "administrator",
    "confirm": "y",
}
URL_VALUES = {"dossier_id": 1, "adhesion_id": 1, "service_key": "tva", "passkey_id": 1}
# The pages this suite knows of; the URL map may hold more (all are checked).
KNOWN_PAGES = {
    "/espace/",
    "/espace/mot-de-passe",
    "/espace/question-de-confiance",
    "/espace/historique",
    "/espace/formulaire.pdf",
}


def _rules(method: str, prefixes: tuple[str, ...]) -> list[str]:
    """The URLs of the app's rules under these prefixes accepting this method."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "listing",
            "AUTO_MIGRATE": False,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "REDIS_URL": "redis://",
        }
    )
    with app.test_request_context():
        return sorted(
            url_for(rule.endpoint, **{key: URL_VALUES[key] for key in rule.arguments})
            for rule in app.url_map.iter_rules()
            if rule.rule.startswith(prefixes) and method in rule.methods
        )


# The login's pages: its form, and its second step (which sends a visitor back to the form).
LOGIN_PAGES = {"/espace/connexion", "/espace/connexion/verification"}
SPACE_PAGES = [url for url in _rules("GET", ("/espace/",)) if url not in LOGIN_PAGES]
FORMS = _rules("POST", ("/espace/", "/recuperation/"))


def test_the_lists_of_pages_and_forms_cover_the_known_ones():
    assert set(SPACE_PAGES) >= KNOWN_PAGES
    assert {
        "/espace/connexion",
        "/espace/deconnexion",
        "/espace/mot-de-passe",
        "/espace/question-de-confiance",
        "/recuperation/mot-de-passe",
        "/recuperation/numero",
        "/recuperation/reinitialiser",
        "/recuperation/nouveau-mot-de-passe",
    } <= set(FORMS)


@pytest.mark.parametrize("url", SPACE_PAGES)
def test_every_page_of_the_space_sends_a_visitor_to_the_login_page(client, subscriber, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.location.split("?")[0].endswith("/espace/connexion")
    login_page = page(client.get(response.location))
    assert "Veuillez vous connecter pour accéder à votre espace abonné." in login_page
    assert subscriber.subscriber_number not in page(response)


@pytest.mark.parametrize("url", FORMS)
def test_every_form_posted_without_its_csrf_token_is_refused_and_changes_nothing(
    app, subscriber, outbox, run_worker, redis_client, url
):
    client = browser(app, "203.0.113.5")
    log_in(client)
    # This browser is also in the middle of a recovery, question answered.
    link = ask_for_reset_link(app, outbox, run_worker, EMAIL, subscriber.subscriber_number)
    client.get(link)
    assert answer_question(client, "Caramel des Prés").status_code == 302
    outbox.clear()
    database_before = sorted(database_texts(app))
    redis_keys_before = {key for key in redis_client.scan_iter() if not key.startswith(b"rq:")}

    response = client.post(url, data=FORM_VALUES)

    assert response.status_code == 400
    assert EXPIRED_FORM in page(response)
    assert sorted(database_texts(app)) == database_before
    redis_keys_after = {key for key in redis_client.scan_iter() if not key.startswith(b"rq:")}
    assert redis_keys_after == redis_keys_before
    run_worker()
    assert outbox == []
    assert is_logged_in(client)  # the logout form did not log out either
    assert log_in(browser(app)).status_code == 302  # the password did not change
