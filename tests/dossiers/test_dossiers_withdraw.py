"""« Retirer » an adhesion: a confirmation page first, then the withdrawal, in the history."""

from __future__ import annotations

from datetime import UTC, datetime
from html import unescape

import pytest

from tests.dossiers.space import Space
from tests.support import EMAIL
from tests.web.pages import Page


@pytest.fixture
def adhered(space: Space) -> tuple[int, int]:
    """A dossier adhering to the VAT service as agent: (dossier id, adhesion id)."""
    space.add("732829320", "Boulangerie Martin")
    dossier_id = space.dossiers()[0].id
    space.adhere(dossier_id, "tva", "mandataire")
    return dossier_id, space.adhesions()[0].id


def page(space: Space, url: str) -> str:
    response = space.client.get(url)
    assert response.status_code == 200, url
    return unescape(response.get_data(as_text=True))


def test_retirer_is_a_link_to_a_confirmation_page_that_withdraws_nothing(
    app, time_machine, make_subscriber, log_in
):
    time_machine.move_to(datetime(2026, 3, 3, 9, 0, tzinfo=UTC), tick=True)
    registration_id = make_subscriber()
    space = Space(app, log_in(EMAIL), registration_id)
    space.add("732829320", "Boulangerie Martin")
    dossier_id = space.dossiers()[0].id
    space.adhere(dossier_id, "tva", "mandataire")
    adhesion_id = space.adhesions()[0].id
    url = f"/espace/dossiers/{dossier_id}/adhesions/{adhesion_id}/retirer"

    dossier = page(space, f"/espace/dossiers/{dossier_id}")
    assert f'href="{url}">Retirer<span class="visually-hidden">' in dossier
    confirmation = page(space, url)

    assert (
        "<h1>Retirer l'adhésion au service « Déclarer et payer la TVA » du dossier "
        "732 829 320 ?</h1>"
    ) in confirmation
    assert "Boulangerie Martin" in confirmation
    assert "<dd>Mandataire</dd>" in confirmation
    assert "<dd>3 mars 2026</dd>" in confirmation
    assert f'action="{url}"' in confirmation
    assert f'href="/espace/dossiers/{dossier_id}#service-tva">Annuler</a>' in confirmation
    assert ">Confirmer le retrait</button>" in confirmation
    assert space.adhesions()[0].withdrawn_at is None
    assert space.events("adhesion_withdrawn") == []


def test_confirming_withdraws_and_the_history_says_so(space: Space, adhered):
    dossier_id, adhesion_id = adhered
    url = f"/espace/dossiers/{dossier_id}/adhesions/{adhesion_id}/retirer"

    response = space.post(url, token_from=url)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/espace/dossiers/{dossier_id}")
    assert space.adhesions()[0].withdrawn_at is not None
    shown = page(space, f"/espace/dossiers/{dossier_id}")
    assert "Adhésion au service « Déclarer et payer la TVA » retirée." in shown
    [event] = space.events("adhesion_withdrawn")
    assert event.detail == "732 829 320 — Boulangerie Martin : Déclarer et payer la TVA"
    history = Page(page(space, "/espace/historique"))
    assert [
        "Retrait d'un service",
        "732 829 320 — Boulangerie Martin : Déclarer et payer la TVA",
    ] in [cells[1:3] for cells in history.table_cells()]


def test_the_confirmation_of_a_withdrawn_adhesion_goes_back_to_the_dossier(space: Space, adhered):
    dossier_id, adhesion_id = adhered
    space.withdraw(dossier_id, adhesion_id)

    response = space.client.get(
        f"/espace/dossiers/{dossier_id}/adhesions/{adhesion_id}/retirer", follow_redirects=True
    )

    assert response.request.path == f"/espace/dossiers/{dossier_id}"
    assert "Cette adhésion avait déjà été retirée." in unescape(response.get_data(as_text=True))
    assert len(space.events("adhesion_withdrawn")) == 1


def test_confirming_without_the_form_token_withdraws_nothing(space: Space, adhered):
    dossier_id, adhesion_id = adhered
    url = f"/espace/dossiers/{dossier_id}/adhesions/{adhesion_id}/retirer"

    response = space.client.post(url, data={"csrf_token": "forged"})

    assert response.status_code == 400
    assert "Le formulaire a expiré ou n'est plus valide" in response.get_data(as_text=True)
    assert space.adhesions()[0].withdrawn_at is None
    assert space.events("adhesion_withdrawn") == []
