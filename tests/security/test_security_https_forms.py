"""Over HTTPS, every form still submits: the Referer the pages' policies let through satisfies
Flask-WTF's strict check (it refuses a secure POST without a same-origin Referer)."""

from __future__ import annotations

import pytest

from tests.factories import create_active_space
from tests.security.accounts import submit_like_a_browser as submit
from tests.support import EMAIL, PASSWORD, SUBSCRIBER_NUMBER
from tests.web.pages import Page

HTTPS = {"base_url": "https://espace-pro.example.com"}
EXPIRED_FORM = "Le formulaire a expiré ou n'est plus valide."


@pytest.mark.parametrize(
    ("url", "data", "heading", "text"),
    [
        (
            "/inscription/etape-1",
            {"accept": "y"},
            "2ème étape : créez vos identifiants",
            "Étape 2 sur 4",
        ),
        (
            "/espace/connexion",
            {"email": EMAIL, "password": PASSWORD},
            "Mon espace abonné",
            SUBSCRIBER_NUMBER,
        ),
        (
            "/recuperation/mot-de-passe",
            {"email": EMAIL, "subscriber_number": SUBSCRIBER_NUMBER},
            "Mot de passe oublié",
            "un courriel contenant un lien de réinitialisation",
        ),
        (
            "/recuperation/numero",
            {"email": EMAIL},
            "Numéro d'abonné oublié",
            "votre numéro d'abonné vient de lui être envoyé",
        ),
    ],
    ids=["wizard", "login", "forgot-password", "forgot-number"],
)
def test_a_form_submitted_over_https_from_its_own_page_is_accepted(
    app, client, url, data, heading, text
):
    create_active_space(app)

    response = submit(client, url, data, **HTTPS)

    page = Page(response)
    assert EXPIRED_FORM not in page.text
    assert response.status_code == 200
    assert page.h1 == heading
    assert text in page.text


def test_a_secure_post_without_referer_is_still_refused(client):
    from tests.support import csrf_token

    token = csrf_token(client.get("/recuperation/numero", **HTTPS).get_data(as_text=True))

    response = client.post(
        "/recuperation/numero", data={"csrf_token": token, "email": EMAIL}, **HTTPS
    )

    # Neither Origin nor Referer over HTTPS: refused before the view (request_rules.py).
    assert response.status_code == 403
    assert "Cet envoi ne vient pas d'une page de ce site" in Page(response).text
