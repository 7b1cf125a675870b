"""« Adhérer aux services en ligne »: per dossier, as legal representative or agent, with dates."""

from __future__ import annotations

from datetime import UTC, datetime
from html import unescape

import pytest

from tests.dossiers.space import Space
from tests.support import EMAIL
from tests.web.pages import Page
from web.dossiers.catalogue import CATALOGUE


def dossier_page(space: Space, dossier_id: int) -> str:
    return unescape(space.client.get(f"/espace/dossiers/{dossier_id}").get_data(as_text=True))


@pytest.fixture
def dossier_id(space: Space) -> int:
    space.add("732829320", "Boulangerie Martin")
    return space.dossiers()[0].id


def test_the_page_offers_every_service_of_the_catalogue(space: Space, dossier_id: int):
    page = dossier_page(space, dossier_id)
    for label in (
        "Déclarer et payer la TVA",
        "Déclarer et payer l'impôt sur les sociétés",
        "Consulter le compte fiscal",
        "Payer la CFE",
        "Messagerie sécurisée",
        "Déclarer les résultats",
    ):
        assert label in page
    assert page.count(">Adhérer<") == len(CATALOGUE)
    assert '<label for="tva-role-0">Représentant légal</label>' in page
    assert '<label for="tva-role-1">Mandataire</label>' in page
    assert "style=" not in page and "<script" not in page


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("representant_legal", "en tant que représentant légal"),
        ("mandataire", "en tant que mandataire"),
    ],
)
def test_adhering_shows_the_date_and_the_role(
    app, time_machine, make_subscriber, log_in, role: str, shown: str
):
    time_machine.move_to(datetime(2026, 3, 3, 23, 30, tzinfo=UTC), tick=True)  # 4 March, Paris
    registration_id = make_subscriber()
    space = Space(app, log_in(EMAIL), registration_id)
    space.add("732829320")
    dossier_id = space.dossiers()[0].id

    response = space.adhere(dossier_id, "tva", role)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/espace/dossiers/{dossier_id}#service-tva")
    page = dossier_page(space, dossier_id)
    assert "Adhésion enregistrée : « Déclarer et payer la TVA »." in page
    assert f"Adhérent depuis le 4 mars 2026 {shown}." in page
    assert page.count(">Adhérer<") == len(CATALOGUE) - 1
    assert "Retirer" in page
    [adhesion] = space.adhesions(dossier_id)
    assert (adhesion.service, adhesion.role, adhesion.withdrawn_at) == ("tva", role, None)


def test_a_missing_or_unknown_role_is_refused_next_to_the_service(space: Space, dossier_id):
    page = unescape(space.adhere(dossier_id, "cfe", None).get_data(as_text=True))
    assert "L'adhésion n'a pas été enregistrée" in page
    # The link leads to the first radio: a fieldset cannot take the focus.
    assert (
        '<a href="#cfe-role-0">Payer la CFE : Choisissez à quel titre vous adhérez à ce '
        "service.</a>"
    ) in page
    assert 'id="cfe-role-error"' in page
    forged = space.adhere(dossier_id, "cfe", "president")
    assert 'id="cfe-role-error"' in forged.get_data(as_text=True)
    assert space.adhesions() == []


def test_an_unknown_service_is_not_found(space: Space, dossier_id: int):
    response = space.adhere(dossier_id, "loto", "mandataire")
    assert response.status_code == 404
    assert space.adhesions() == []


def test_adhering_twice_keeps_one_current_adhesion(space: Space, dossier_id: int):
    space.adhere(dossier_id, "tva", "mandataire")
    response = space.adhere(dossier_id, "tva", "representant_legal", follow_redirects=True)
    assert "Ce dossier adhère déjà au service « Déclarer et payer la TVA »." in unescape(
        response.get_data(as_text=True)
    )
    assert [(a.service, a.role) for a in space.adhesions()] == [("tva", "mandataire")]


def test_withdraw_then_adhere_again_keeps_the_history(app, time_machine, make_subscriber, log_in):
    time_machine.move_to(datetime(2026, 3, 3, 9, 0, tzinfo=UTC), tick=True)
    registration_id = make_subscriber()
    space = Space(app, log_in(EMAIL), registration_id)
    space.add("732829320")
    dossier_id = space.dossiers()[0].id
    space.adhere(dossier_id, "messagerie", "representant_legal")
    first = space.adhesions()[0]

    time_machine.move_to(datetime(2026, 3, 10, 9, 0, tzinfo=UTC), tick=True)
    space = Space(app, log_in(EMAIL), space.registration_id)  # the first session idled out
    response = space.withdraw(dossier_id, first.id, follow_redirects=True)
    page = unescape(response.get_data(as_text=True))
    assert "Adhésion au service « Messagerie sécurisée » retirée." in page
    assert "Adhésions retirées" in page
    assert "Adhérent depuis" not in page
    withdrawn = space.adhesions()[0]
    assert withdrawn.withdrawn_at is not None

    time_machine.move_to(datetime(2026, 3, 12, 9, 0, tzinfo=UTC), tick=True)
    space = Space(app, log_in(EMAIL), space.registration_id)
    space.adhere(dossier_id, "messagerie", "mandataire")
    page = dossier_page(space, dossier_id)
    assert "Adhérent depuis le 12 mars 2026 en tant que mandataire." in page
    past = page[page.index("Adhésions retirées") :]
    assert "Messagerie sécurisée" in past
    assert "Représentant légal" in past
    assert "3 mars 2026" in past and "10 mars 2026" in past
    assert [(a.role, a.withdrawn_at is None) for a in space.adhesions()] == [
        ("representant_legal", False),
        ("mandataire", True),
    ]


def test_withdrawing_twice_records_one_event(space: Space, dossier_id: int):
    space.adhere(dossier_id, "tva", "mandataire")
    adhesion_id = space.adhesions()[0].id
    space.withdraw(dossier_id, adhesion_id)
    response = space.withdraw(dossier_id, adhesion_id, follow_redirects=True)
    assert "Cette adhésion avait déjà été retirée." in unescape(response.get_data(as_text=True))
    assert len(space.events("adhesion_withdrawn")) == 1


def test_adhesions_and_withdrawals_are_recorded_in_the_history(space: Space, dossier_id):
    space.adhere(dossier_id, "tva", "representant_legal")
    space.withdraw(dossier_id, space.adhesions()[0].id)
    [added] = space.events("adhesion_added")
    [withdrawn] = space.events("adhesion_withdrawn")
    assert added.detail == (
        "732 829 320 — Boulangerie Martin : Déclarer et payer la TVA (représentant légal)"
    )
    assert withdrawn.detail == "732 829 320 — Boulangerie Martin : Déclarer et payer la TVA"
    history = unescape(space.client.get("/espace/historique").get_data(as_text=True))
    assert "Adhésion à un service" in history and "Retrait d'un service" in history


def test_the_list_counts_current_services(space: Space, dossier_id: int):
    space.adhere(dossier_id, "tva", "mandataire")
    space.adhere(dossier_id, "cfe", "mandataire")
    assert "2 services" in space.client.get("/espace/dossiers/").get_data(as_text=True)


def adhesion_forms(space: Space, dossier_id: int) -> dict[str, dict[str, str]]:
    """Each « Adhérer » form of the dossier page: its action, and the fields it would post."""
    page = Page(space.client.get(f"/espace/dossiers/{dossier_id}"))
    forms = {}
    for form in page.root.find_all("form"):
        action = form.attrs.get("action") or ""
        if action.endswith("/adherer"):
            inputs = form.find_all("input")
            forms[action] = {node.attrs["name"]: node.attrs.get("value") or "" for node in inputs}
    return forms


def test_every_adhesion_form_posts_its_token_as_the_standard_csrf_token(space, dossier_id):
    # Scanners and proxies look for « csrf_token »: a prefixed « tva-csrf_token » read to
    # them as a form without anti-CSRF token.
    forms = adhesion_forms(space, dossier_id)
    assert len(forms) == len(CATALOGUE)
    for action, fields in forms.items():
        tokens = [name for name in fields if "csrf" in name]
        assert tokens == ["csrf_token"], action
        assert fields["csrf_token"], action


def test_an_adhesion_posted_without_its_csrf_token_gets_the_french_400(space, dossier_id):
    for action, fields in adhesion_forms(space, dossier_id).items():
        service = action.rsplit("/", 2)[-2]
        data = {**fields, f"{service}-role": "mandataire"}
        without_token = {name: value for name, value in data.items() if name != "csrf_token"}
        refused = space.client.post(action, data=without_token)
        assert refused.status_code == 400, action
        assert "Le formulaire a expiré ou n'est plus valide" in refused.get_data(as_text=True)
        assert [a.service for a in space.adhesions(dossier_id)].count(service) == 0, action
        # The same form, as the page gives it, is accepted.
        assert space.client.post(action, data=data).status_code == 302, action
    assert len(space.adhesions(dossier_id)) == len(CATALOGUE)
