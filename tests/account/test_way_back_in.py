"""A subscriber who comes back finds the way in from any page, and the next step once in."""

from __future__ import annotations

import re

import pytest

from tests.factories import create_active_space
from tests.support import EMAIL, csrf_token, logged_in
from web.extensions import db
from web.models import Adhesion, Dossier

PUBLIC_PAGES = ["/", "/creer-mon-espace", "/conditions-generales", "/inscription/etape-1"]


def header(html: str) -> str:
    return re.search(r'<header class="site-header">(.*?)</header>', html, re.S).group(1)


@pytest.mark.parametrize("url", [*PUBLIC_PAGES, "/activation/", "/recuperation/mot-de-passe"])
def test_every_header_offers_to_log_in_to_a_visitor(client, url):
    html = client.get(url).get_data(as_text=True)
    assert 'href="/espace/connexion"' in header(html)
    assert "Se connecter" in header(html)
    assert "Se déconnecter" not in html


def test_the_landing_page_leads_a_returning_subscriber_in(client):
    html = client.get("/").get_data(as_text=True)
    panel = html[html.index("J'ai déjà un espace") :]
    assert 'href="/espace/connexion"' in panel
    assert 'href="/recuperation/mot-de-passe"' in panel
    assert 'href="/recuperation/numero"' in panel


@pytest.mark.parametrize("url", ["/", "/creer-mon-espace", "/espace/"])
def test_a_logged_in_header_names_the_subscriber_with_space_and_log_out(app, client, url):
    create_active_space(app)
    logged_in(client)
    response = client.get(url)
    top = header(response.get_data(as_text=True))
    assert "Hélène Lefèvre" in top
    assert 'href="/espace/"' in top and "Mon espace" in top
    assert 'action="/espace/deconnexion"' in top and "Se déconnecter" in top
    assert "Se connecter<" not in top
    # A page that names its visitor is theirs alone: no shared cache may keep it.
    assert response.headers["Cache-Control"] == "no-store"
    # One way out per page, in the header.
    assert response.get_data(as_text=True).count('action="/espace/deconnexion"') == 1


def test_public_pages_stay_cacheable_for_visitors(client):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")


@pytest.mark.parametrize(
    "step", ["/inscription/etape-1", "/inscription/etape-2", "/inscription/confirmation"]
)
def test_the_wizard_tells_a_logged_in_subscriber_they_have_a_space(app, client, step):
    create_active_space(app)
    logged_in(client)
    html = client.get(step).get_data(as_text=True)
    assert "Vous avez déjà un espace abonné" in html
    assert "Hélène Lefèvre" in html
    assert 'name="ensuite" value="creer"' in html


def test_logging_out_from_the_wizard_opens_step_one_for_a_collaborator(app, client):
    create_active_space(app)
    logged_in(client)
    page = client.get("/inscription/etape-1").get_data(as_text=True)
    response = client.post(
        "/espace/deconnexion", data={"csrf_token": csrf_token(page), "ensuite": "creer"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/inscription/etape-1")
    step_one = client.get("/inscription/etape-1").get_data(as_text=True)
    assert "Vous avez déjà un espace abonné" not in step_one
    assert 'name="accept"' in step_one


def test_an_empty_space_leads_to_adding_a_first_dossier(app, client):
    create_active_space(app)
    html = logged_in(client).get("/espace/").get_data(as_text=True)
    assert "Vous pouvez dès maintenant ajouter des dossiers à ce compte." in html
    assert 'class="button" href="/espace/dossiers/ajouter"' in html


def test_a_space_with_dossiers_summarises_them_and_still_offers_to_add(app, client):
    _registration_id, dossier_id = create_active_space(app, with_dossier=True)
    with app.app_context():
        db.session.add(Adhesion(dossier_id=dossier_id, service="tva", role="representant"))
        dossier = Dossier(
            registration_id=_registration_id, siren="552100554", label="Les Ateliers du Port"
        )
        db.session.add(dossier)
        db.session.commit()
        latest_id = dossier.id
    html = logged_in(client).get("/espace/").get_data(as_text=True)
    assert "2 dossiers dans votre espace, 1 adhésion à un service en ligne." in html
    assert f'href="/espace/dossiers/{latest_id}">Les Ateliers du Port</a>' in html
    assert "Vous pouvez dès maintenant ajouter" not in html
    assert 'class="button" href="/espace/dossiers/ajouter"' in html


@pytest.mark.app_config(CONTACT_EMAIL="aide@example.com", ACTIVATION_CODE_TTL_SECONDS=24 * 3600)
def test_the_landing_guidance_gives_the_help_address_and_the_code_validity(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="mailto:aide@example.com"' in html
    assert "valable 24 heures" in html
    assert "S.I.R.E.N." in html


def test_without_a_help_address_none_is_shown(client):
    html = client.get("/").get_data(as_text=True)
    assert "mailto:" not in html
    assert "valable 48 heures" in html


def test_the_already_registered_mail_links_to_the_login_page(
    app, client, wizard, outbox, run_worker
):
    create_active_space(app)
    wizard.complete(EMAIL)
    run_worker()
    (mail,) = [mail for mail in outbox if mail["To"] == EMAIL]
    body = mail.get_body(("plain",)).get_content()
    assert "connectez-vous depuis http://espace-pro.example.com/espace/connexion" in body
