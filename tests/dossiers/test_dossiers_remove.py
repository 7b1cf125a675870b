"""Removing a dossier: a confirmation page first; the adhesions go with it."""

from __future__ import annotations

from tests.dossiers.space import Space
from web.models import Adhesion, Dossier


def added(space: Space, siren: str = "732829320", label: str = "Boulangerie Martin") -> int:
    space.add(siren, label)
    return next(d.id for d in space.dossiers() if d.siren == siren)


def test_the_confirmation_page_deletes_nothing(space: Space):
    dossier_id = added(space)
    page = space.client.get(f"/espace/dossiers/{dossier_id}/supprimer").get_data(as_text=True)
    assert "Supprimer le dossier 732 829 320 ?" in page
    assert "Boulangerie Martin" in page
    assert "Confirmer la suppression" in page
    assert f'href="/espace/dossiers/{dossier_id}">Annuler</a>' in page
    assert space.sirens() == ["732829320"]


def test_confirming_deletes_the_dossier_and_its_adhesions(space: Space, count):
    dossier_id = added(space)
    keep_id = added(space, "552100554", "Garage Durand")
    space.adhere(dossier_id, "tva", "mandataire")
    space.adhere(dossier_id, "cfe", "representant_legal")
    space.adhere(keep_id, "tva", "mandataire")
    page = space.client.get(f"/espace/dossiers/{dossier_id}/supprimer").get_data(as_text=True)
    assert "Ses adhésions en cours à 2 services en ligne seront supprimées avec lui." in page

    response = space.post(
        f"/espace/dossiers/{dossier_id}/supprimer",
        token_from=f"/espace/dossiers/{dossier_id}/supprimer",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/espace/dossiers/")
    assert space.sirens() == ["552100554"]
    assert [a.dossier_id for a in space.adhesions()] == [keep_id]
    assert count(Dossier) == 1 and count(Adhesion) == 1

    listing = space.client.get("/espace/dossiers/").get_data(as_text=True)
    assert "Le dossier 732 829 320 — Boulangerie Martin a été supprimé." in listing
    assert space.client.get(f"/espace/dossiers/{dossier_id}").status_code == 404


def test_removal_is_recorded_with_the_siren(space: Space):
    dossier_id = added(space)
    space.post(f"/espace/dossiers/{dossier_id}/supprimer")
    [event] = space.events("dossier_removed")
    assert event.detail == "732 829 320 — Boulangerie Martin"
    assert "Dossier supprimé" in space.client.get("/espace/historique").get_data(as_text=True)


def test_a_removed_siren_can_be_added_again(space: Space):
    dossier_id = added(space)
    space.post(f"/espace/dossiers/{dossier_id}/supprimer")
    assert space.add("732829320").status_code == 302
    assert space.sirens() == ["732829320"]
