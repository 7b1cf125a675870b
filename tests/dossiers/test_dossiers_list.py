"""The list of dossiers: 20 per page, search by SIREN or name, the warning past 100."""

from __future__ import annotations

import pytest

from tests.dossiers.space import Space
from tests.support import valid_siren
from tests.web.pages import Page


def listed(html: str) -> list[str]:
    """The SIRENs of the list's rows, as shown."""
    return [cells[0] for cells in Page(html).table_cells()]


def test_an_empty_space_invites_to_add_or_import(space: Space):
    page = space.client.get("/espace/dossiers/").get_data(as_text=True)
    assert "Votre espace ne contient encore aucun dossier." in page
    assert 'href="/espace/dossiers/ajouter">Ajouter un dossier' in page
    assert 'href="/espace/dossiers/importer">Importer un fichier CSV' in page
    assert "Aucun dossier dans votre espace" in page


def test_25_dossiers_make_two_pages_of_20_and_5(space: Space):
    sirens = [valid_siren(n) for n in range(25)]
    space.insert(sirens)
    first = space.client.get("/espace/dossiers/").get_data(as_text=True)
    second = space.client.get("/espace/dossiers/?page=2").get_data(as_text=True)
    assert "25 dossiers dans votre espace" in first
    assert "Page 1 sur 2" in first and 'href="/espace/dossiers/?page=2"' in first
    assert "Page 2 sur 2" in second and 'href="/espace/dossiers/?page=1"' in second
    shown = listed(first) + listed(second)
    assert len(listed(first)) == 20 and len(listed(second)) == 5
    # Named "Entreprise 001" … "Entreprise 025": A→Z, each once across the two pages.
    assert [s.replace(" ", "") for s in shown] == sirens
    assert "Entreprise 001" in first and "Entreprise 025" in second


def test_a_page_past_the_end_says_so_instead_of_failing(space: Space):
    space.insert([valid_siren(1)])
    response = space.client.get("/espace/dossiers/?page=9")
    assert response.status_code == 200
    assert "Cette page ne contient aucun dossier." in response.get_data(as_text=True)


def test_search_by_name_ignores_case(space: Space):
    space.insert(
        [valid_siren(1), valid_siren(2), valid_siren(3)],
        ["Boulangerie Martin", "Garage Durand", "Martinez Conseil"],
    )
    page = space.client.get("/espace/dossiers/?q=martin").get_data(as_text=True)
    assert "2 dossiers correspondent à « martin »." in page
    assert "Boulangerie Martin" in page and "Martinez Conseil" in page
    assert "Garage Durand" not in page
    assert 'value="martin"' in page


def test_search_by_siren_tolerates_spaces(space: Space):
    space.insert(["732829320", "552100554"], ["Boulangerie Martin", "Garage Durand"])
    page = space.client.get("/espace/dossiers/?q=732+829").get_data(as_text=True)
    assert listed(page) == ["732 829 320"]
    assert "Garage Durand" not in page


def test_search_wildcards_are_taken_literally(space: Space):
    space.insert(["732829320", "552100554"], ["100% Bio", "Garage Durand"])
    assert "100% Bio" in space.client.get("/espace/dossiers/?q=%25").get_data(as_text=True)
    page = space.client.get("/espace/dossiers/?q=_").get_data(as_text=True)
    assert "Aucun dossier ne correspond à « _ »." in page


def test_search_keeps_its_query_across_pages(space: Space):
    space.insert([valid_siren(n) for n in range(30)])
    space.insert(["732829320"], ["Autre"])
    page = space.client.get("/espace/dossiers/?q=Entreprise").get_data(as_text=True)
    assert "30 dossiers correspondent" in page
    assert 'href="/espace/dossiers/?q=Entreprise&amp;page=2"' in page


def test_unnamed_dossiers_come_after_named_ones(space: Space):
    space.insert(["732829320", "552100554"], ["", "Zèbre"])
    page = space.client.get("/espace/dossiers/").get_data(as_text=True)
    assert listed(page) == ["552 100 554", "732 829 320"]
    assert "(sans nom)" in page


@pytest.mark.parametrize(("count", "warned"), [(100, False), (101, True)])
def test_the_warning_appears_past_100_dossiers(space: Space, count: int, warned: bool):
    space.insert([valid_siren(n) for n in range(count)])
    page = space.client.get("/espace/dossiers/").get_data(as_text=True)
    assert ("Au-delà de 100 dossiers, mieux vaut répartir" in page) is warned
    assert f"{count} dossiers dans votre espace" in page
