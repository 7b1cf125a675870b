"""The hard limit on dossiers per space (DOSSIER_LIMIT), by hand and by import."""

from __future__ import annotations

import pytest

from tests.dossiers.space import Space

pytestmark = pytest.mark.app_config(DOSSIER_LIMIT=3)


def test_the_fourth_dossier_is_refused_with_a_message(space: Space):
    for siren in ("732829320", "552100554", "542107651"):
        assert space.add(siren).status_code == 302
    refused = space.post("/espace/dossiers/ajouter", {"siren": "404833048"})
    page = refused.get_data(as_text=True)
    assert (
        "Votre espace contient déjà 3 dossiers, le maximum autorisé (3) : supprimez un "
        "dossier pour pouvoir en ajouter un autre."
    ) in page
    assert 'name="siren"' not in page
    assert space.sirens() == ["732829320", "552100554", "542107651"]
    assert len(space.events("dossier_added")) == 3

    listing = space.client.get("/espace/dossiers/").get_data(as_text=True)
    assert "Votre espace a atteint la limite de 3 dossiers" in listing
    assert 'href="/espace/dossiers/ajouter"' not in listing


def test_an_import_adds_up_to_the_limit_and_refuses_the_rest(space: Space):
    space.add("732829320")
    response = space.upload(b"552100554\n542107651\n404833048\n443061841\n")
    page = response.get_data(as_text=True)
    assert "2 dossiers ajoutés" in page and "2 lignes refusées" in page
    assert page.count("Limite atteinte : votre espace ne peut pas dépasser 3 dossiers.") == 2
    assert space.sirens() == ["732829320", "552100554", "542107651"]


def test_removing_one_makes_room_again(space: Space):
    for siren in ("732829320", "552100554", "542107651"):
        space.add(siren)
    first = space.dossiers()[0].id
    space.post(f"/espace/dossiers/{first}/supprimer")
    assert space.add("404833048").status_code == 302
    assert sorted(space.sirens()) == ["404833048", "542107651", "552100554"]
