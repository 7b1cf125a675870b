"""1ère étape: the conditions générales must be accepted before anything else."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine

from tests.support import csrf_token
from tests.web.pages import Page, shown
from web.core.terms import TERMS_VERSION

REFUSAL = "Il faut accepter au préalable des conditions générales"


def test_first_step_shows_the_terms_and_an_unchecked_box(client):
    page = shown(
        client.get("/inscription/etape-1"), "1ère étape : acceptez les conditions générales"
    )
    assert "Étape 1 sur 4" in page.text
    assert "Objet du service" in page.element_text_of_class("terms-box")
    assert page.link_to("Lire les conditions générales") == "/conditions-generales"
    assert "Je reconnais avoir pris connaissance des conditions générales" in page.text
    assert not page.checked("accept")
    assert page.summary is None


def test_validating_without_the_box_is_refused_beside_the_box(client, draft):
    page = Page(client.get("/inscription/etape-1"))

    response = client.post("/inscription/etape-1", data={"csrf_token": csrf_token(page.html)})

    refused = Page(response)
    assert response.status_code == 200
    assert refused.summary.startswith("Le formulaire contient des erreurs")
    assert REFUSAL in refused.summary
    assert REFUSAL in refused.error("accept")
    assert draft()["terms_accepted_at"] is None


def test_refusal_leaves_the_second_step_closed(client, wizard):
    wizard.post("/inscription/etape-1", {})

    response = client.get("/inscription/etape-2")

    assert response.status_code == 302
    assert response.headers["Location"] == "/inscription/etape-1"


def test_accepting_the_terms_opens_the_second_step(wizard):
    response = wizard.accept_terms()

    assert response.status_code == 302
    assert response.headers["Location"] == "/inscription/etape-2"


def test_acceptance_records_the_terms_version_and_when(wizard, draft):
    with time_machine.travel(datetime(2026, 11, 27, 9, 15, tzinfo=UTC), tick=False):
        wizard.accept_terms()

    saved = draft()
    assert saved["terms_version"] == TERMS_VERSION
    assert saved["terms_accepted_at"] == "2026-11-27T09:15:00"


def test_coming_back_to_the_first_step_shows_the_box_checked(client, wizard):
    wizard.accept_terms()

    page = Page(client.get("/inscription/etape-1"))

    assert page.checked("accept")
