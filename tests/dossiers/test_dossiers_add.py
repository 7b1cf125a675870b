"""« Ajouter un dossier »: by SIREN (Luhn-checked), once per space, with an optional name."""

from __future__ import annotations

import pytest

from tests.dossiers.space import OTHER_EMAIL, Space


def test_a_valid_siren_is_added_and_its_page_shows_it(space: Space):
    response = space.add("732829320", "Boulangerie Martin")
    assert response.status_code == 302
    [dossier] = space.dossiers()
    assert response.headers["Location"].endswith(f"/espace/dossiers/{dossier.id}")
    assert (dossier.siren, dossier.label) == ("732829320", "Boulangerie Martin")

    page = space.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Le dossier 732 829 320 — Boulangerie Martin a été ajouté." in page
    assert "Dossier 732 829 320" in page
    assert "Boulangerie Martin" in page
    assert "Ajouté le" in page


def test_spaces_in_the_siren_are_accepted_and_removed(space: Space):
    assert space.add(" 732 829\u00a0320 ").status_code == 302
    assert space.sirens() == ["732829320"]


@pytest.mark.parametrize(
    ("siren", "message"),
    [
        ("732829321", "vérifiez la clé de contrôle (dernier chiffre)"),
        ("73282932", "Le SIREN doit comporter 9 chiffres."),
        ("7328293200", "Le SIREN doit comporter 9 chiffres."),
        ("ABC829320", "Le SIREN doit comporter 9 chiffres."),
        ("", "Saisissez le SIREN de l'entreprise (9 chiffres)."),
    ],
)
def test_a_bad_siren_is_refused_next_to_its_field(space: Space, siren: str, message: str):
    response = space.add(siren, "Boulangerie Martin")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Le formulaire contient des erreurs" in page
    assert message in page
    assert 'id="siren-error"' in page
    assert space.dossiers() == []


def test_the_same_siren_twice_in_one_space_is_refused_with_a_message(space: Space):
    space.add("732829320", "Boulangerie Martin")
    response = space.add("732 829 320", "Autre nom")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        "Ce SIREN figure déjà dans votre espace (dossier 732 829 320 — Boulangerie Martin)."
    ) in page
    assert [(d.siren, d.label) for d in space.dossiers()] == [("732829320", "Boulangerie Martin")]
    assert len(space.events("dossier_added")) == 1


def test_two_subscribers_may_each_hold_the_same_siren(app, space: Space, make_subscriber, log_in):
    other_id = make_subscriber(OTHER_EMAIL, "20263100000002")
    other = Space(app, log_in(OTHER_EMAIL), other_id)
    assert space.add("732829320").status_code == 302
    assert other.add("732829320").status_code == 302
    assert space.sirens() == other.sirens() == ["732829320"]


def test_the_name_is_optional_and_shown_as_sans_nom(space: Space):
    response = space.add("732829320", "   ")
    assert response.status_code == 302
    assert space.dossiers()[0].label == ""
    page = space.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Le dossier 732 829 320 a été ajouté." in page
    assert "(sans nom)" in page
    assert "(sans nom)" in space.client.get("/espace/dossiers/").get_data(as_text=True)


def test_the_name_is_cleaned_and_limited(space: Space):
    space.add("732829320", "  Boulangerie   Martin ")
    assert space.dossiers()[0].label == "Boulangerie Martin"

    too_long = space.add("552100554", "N" * 121).get_data(as_text=True)
    assert "120 caractères au maximum." in too_long
    control = space.add("552100554", "Martin\u202enitraM").get_data(as_text=True)
    assert "Ce champ contient un caractère non autorisé." in control
    assert space.sirens() == ["732829320"]


def test_adding_is_recorded_in_the_history(space: Space):
    space.add("732829320", "Boulangerie Martin")
    [event] = space.events("dossier_added")
    assert event.detail == "732 829 320 — Boulangerie Martin"
    history = space.client.get("/espace/historique").get_data(as_text=True)
    assert "Dossier ajouté" in history
    assert "732 829 320 — Boulangerie Martin" in history


def test_the_add_page_labels_its_inputs(space: Space):
    page = space.client.get("/espace/dossiers/ajouter").get_data(as_text=True)
    assert '<label for="siren">SIREN de l\'entreprise' in page
    assert '<label for="label">Nom du dossier (facultatif)' in page
    assert "style=" not in page and "<script" not in page


def test_a_name_with_markup_is_shown_as_text_everywhere(space: Space):
    name = "<b>Martin</b> & Fils"
    page = space.add("732829320", name, follow_redirects=True).get_data(as_text=True)
    listing = space.client.get("/espace/dossiers/").get_data(as_text=True)
    twice = space.add("732829320").get_data(as_text=True)
    for html in (page, listing, twice):
        assert "&lt;b&gt;Martin&lt;/b&gt; &amp; Fils" in html
        assert "<b>Martin</b>" not in html
