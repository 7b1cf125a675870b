"""3ème étape: the registration form, each rule's message beside its field."""

from __future__ import annotations

import unicodedata

import pytest
from argon2 import PasswordHasher

from tests.support import profile_data
from tests.web.pages import Page, refusal

PERSONAL_ANSWER = "La réponse ne doit pas être votre nom, votre prénom ni votre adresse."
FOREIGN_ID_RULE = (
    "L'identifiant doit comporter de 2 à 30 caractères, "
    "uniquement des lettres non accentuées et des chiffres."
)
BAD_PHONE = "Le numéro de téléphone n'est pas valide."


def accepted(response) -> None:
    """The step was accepted: on to the confirmation page."""
    assert response.status_code == 302, Page(response).errors()
    assert response.headers["Location"] == "/inscription/confirmation"


def test_third_step_shows_the_four_groups_of_the_form(client, at_step_3):
    page = Page(client.get("/inscription/etape-3"))

    assert page.h1 == "3ème étape : remplissez votre formulaire d'inscription"
    assert "Étape 3 sur 4" in page.text
    legends = [node.text for node in page.main.find_all("legend")]
    for group in ("Usager", "Entreprise d'appartenance", "Contact", "Question de confiance"):
        assert group in legends
    assert "mais du SIREN de l'entreprise dans laquelle vous exercez votre activité" in page.text
    assert "vous serez en attente du code d'activation" in page.text


def test_first_visit_suggests_the_login_address_and_france(client, at_step_3):
    page = Page(client.get("/inscription/etape-3"))

    assert page.value("contact_email") == "helene.lefevre@example.com"
    assert page.selected("country") == "FR"
    assert page.value("trust_answer") == ""


def test_a_complete_form_is_kept_in_the_draft_cleaned(at_step_3, draft):
    response = at_step_3.profile(
        last_name="  Lefèvre   Dupont ", contact_email="Helene.Lefevre@Example.COM"
    )

    accepted(response)
    profile = draft()["profile"]
    assert profile["civility"] == "mme"
    assert profile["last_name"] == "Lefèvre Dupont"
    assert profile["first_name"] == "Hélène"
    assert profile["contact_email"] == "helene.lefevre@example.com"
    assert profile["street_number"] == "12 bis"
    assert profile["street_type"] == "rue"
    assert profile["street_name"] == "des Lilas"
    assert profile["address_complement"] == "Bâtiment B"
    assert profile["postal_code"] == "75011"
    assert profile["city"] == "Paris"
    assert profile["country"] == "FR"
    assert profile["trust_question"] == "first_pet"


# --- required fields ------------------------------------------------------------------

REQUIRED = [
    ("civility", None, "Indiquez votre civilité."),
    ("last_name", "", "Saisissez votre nom."),
    ("first_name", "", "Saisissez votre prénom."),
    ("company_id", "", "Saisissez le S.I.R.E.N. ou l'identifiant équivalent."),
    ("phone", "", "Saisissez votre numéro de téléphone."),
    ("contact_email", "", "Saisissez votre adresse électronique."),
    ("city", "", "Saisissez votre ville."),
    ("country", None, "Indiquez votre pays."),
    ("country", "", "Indiquez votre pays."),
    ("trust_answer", "", "Saisissez la réponse à votre question de confiance."),
    ("trust_answer", "   ", "Saisissez la réponse à votre question de confiance."),
]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    REQUIRED,
    ids=[f"{field}-{'missing' if value is None else repr(value)}" for field, value, _ in REQUIRED],
)
def test_a_missing_required_field_gets_its_own_message(at_step_3, draft, field, value, message):
    response = at_step_3.profile(**{field: value})

    assert refusal(response, field) == message
    assert set(Page(response).errors()) == {field}
    assert draft()["profile"] == {}


def test_an_empty_form_gets_one_message_per_required_field(at_step_3, draft):
    response = at_step_3.post(
        "/inscription/etape-3",
        {name: "" for name in profile_data() if name not in {"civility", "country"}}
        | {"trust_question": "first_pet", "street_type": ""},
    )

    page = Page(response)
    assert response.status_code == 200
    expected = {field: f"Erreur : {message}" for field, value, message in REQUIRED}
    assert page.errors() == expected
    for label in ("Civilité", "Nom", "Prénom", "S.I.R.E.N. ou équivalent"):
        assert f"{label} :" in page.summary
    for label in ("Numéro de téléphone", "Adresse électronique", "Ville", "Pays", "Réponse"):
        assert f"{label} :" in page.summary
    assert draft()["profile"] == {}


def test_required_fields_are_marked_with_a_star(client, at_step_3):
    page = Page(client.get("/inscription/etape-3"))

    for name in ("last_name", "first_name", "company_id", "phone", "contact_email", "city"):
        assert "required" in page.control(name).attrs, name
    assert "required" in page.control("trust_answer").attrs
    for name in ("street_number", "street_name", "address_complement", "postal_code"):
        assert "required" not in page.control(name).attrs, name


# --- names ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Jean-Pierre", "N'Diaye", "Le Guen", "Müller", "D’Artagnan"])
def test_names_with_hyphens_apostrophes_spaces_and_accents_are_accepted(at_step_3, name):
    accepted(at_step_3.profile(first_name=name))


def test_a_name_with_digits_is_refused_beside_the_field(at_step_3):
    response = at_step_3.profile(last_name="R2D2")

    assert refusal(response, "last_name") == (
        "Le nom ne peut contenir que des lettres, des espaces, des tirets et des apostrophes."
    )


# --- company identifier -----------------------------------------------------------------


def test_siren_with_a_bad_key_is_refused_beside_the_field(at_step_3, draft):
    response = at_step_3.profile(company_id="732 829 321")

    assert refusal(response, "company_id") == (
        "Le SIREN saisi n'est pas valide : vérifiez la clé de contrôle (dernier chiffre)."
    )
    assert draft()["profile"] == {}


@pytest.mark.parametrize("siren", ["73282932", "7328293200", "ABC829320"])
def test_siren_not_of_nine_digits_is_refused_beside_the_field(at_step_3, siren):
    response = at_step_3.profile(company_id=siren)

    assert refusal(response, "company_id") == "Le SIREN doit comporter 9 chiffres."


@pytest.mark.parametrize(
    "siren", ["732829320", "732 829 320", "732\u00a0829\u00a0320", "732.829.320"]
)
def test_valid_siren_is_accepted_and_stored_without_separators(at_step_3, draft, siren):
    accepted(at_step_3.profile(company_id=siren))

    assert draft()["profile"]["company_id"] == "732829320"
    assert draft()["profile"]["foreign_company"] is False


def test_foreign_company_identifier_is_accepted_with_the_box(at_step_3, draft):
    response = at_step_3.profile(
        foreign_company="y",
        company_id="de 123 456-789",
        country="DE",
        phone="+49 30 1234567",
        postal_code="10115",
        city="Berlin",
    )

    accepted(response)
    assert draft()["profile"]["foreign_company"] is True
    assert draft()["profile"]["company_id"] == "DE123456789"


def test_foreign_identifier_without_the_box_is_refused_as_a_siren(at_step_3):
    response = at_step_3.profile(company_id="DE123456789")

    assert refusal(response, "company_id") == "Le SIREN doit comporter 9 chiffres."


@pytest.mark.parametrize("identifier", ["D", "DE#123456", "DÉ123456"])
def test_foreign_identifier_of_one_character_or_with_symbols_is_refused(at_step_3, identifier):
    response = at_step_3.profile(foreign_company="y", company_id=identifier)

    assert refusal(response, "company_id") == FOREIGN_ID_RULE


def test_foreign_company_box_is_labelled_entreprise_etrangere(client, at_step_3):
    page = Page(client.get("/inscription/etape-3"))

    (label,) = page.main.find_all("label", **{"for": "foreign_company"})
    assert label.text == "Entreprise étrangère"
    assert page.control("foreign_company").attrs["type"] == "checkbox"


# --- telephone --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "country", "stored"),
    [
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("01.23.45.67.89", "FR", "+33123456789"),
        ("+44 20 7946 0958", "FR", "+442079460958"),
        ("0033 6 12 34 56 78", "FR", "+33612345678"),
        ("02 555 12 12", "BE", "+3225551212"),
    ],
    ids=["french-mobile", "french-dots", "international", "00-prefix", "belgian-national"],
)
def test_phone_is_accepted_and_stored_in_e164(at_step_3, draft, phone, country, stored):
    postal_code = "75011" if country == "FR" else "1000"
    accepted(at_step_3.profile(phone=phone, country=country, postal_code=postal_code))

    assert draft()["profile"]["phone"] == stored


@pytest.mark.parametrize("phone", ["12345", "06 12 34 56", "+33 6 12 34 56 78 90", "téléphone"])
def test_an_invalid_phone_is_refused_beside_the_field(at_step_3, draft, phone):
    response = at_step_3.profile(phone=phone)

    assert refusal(response, "phone") == BAD_PHONE
    assert draft()["profile"] == {}


# --- contact address, postal code and country -------------------------------------------


def test_an_invalid_contact_address_is_refused_beside_the_field(at_step_3):
    response = at_step_3.profile(contact_email="helene.lefevre.example.com")

    assert refusal(response, "contact_email") == (
        "L'adresse électronique n'est pas valide (exemple : prenom.nom@example.com)."
    )


def test_a_four_digit_postal_code_is_refused_for_france(at_step_3):
    response = at_step_3.profile(postal_code="7501")

    assert refusal(response, "postal_code") == "Le code postal doit comporter 5 chiffres."


@pytest.mark.parametrize(
    ("country", "postal_code", "phone", "stored"),
    [
        ("BE", "1000", "+32 2 555 12 12", "1000"),
        ("GB", "sw1a  1aa", "+44 20 7946 0958", "SW1A 1AA"),
    ],
)
def test_a_foreign_postal_code_is_accepted_for_its_country(
    at_step_3, draft, country, postal_code, phone, stored
):
    accepted(at_step_3.profile(country=country, postal_code=postal_code, phone=phone))

    assert draft()["profile"]["postal_code"] == stored
    assert draft()["profile"]["country"] == country


def test_an_unknown_country_is_refused_beside_the_field(at_step_3):
    response = at_step_3.profile(country="ZZ")

    assert refusal(response, "country") == "N'est pas un choix valide."


def test_country_list_has_france_first_then_every_country_in_french(client, at_step_3):
    options = Page(client.get("/inscription/etape-3")).options("country")

    assert options[0] == ("FR", "France")
    assert 240 <= len(options) <= 260
    assert len({code for code, _ in options}) == len(options)
    labels = dict(options)
    assert labels["DE"] == "Allemagne"
    assert labels["GB"] == "Royaume-Uni"
    assert labels["ES"] == "Espagne"
    assert labels["BE"] == "Belgique"
    assert "Germany" not in labels.values()


def test_countries_after_france_are_in_alphabetical_order_ignoring_accents(client, at_step_3):
    options = Page(client.get("/inscription/etape-3")).options("country")

    def bare(label: str) -> str:
        decomposed = unicodedata.normalize("NFKD", label)
        return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()

    names = [label for _, label in options[1:]]
    assert names == sorted(names, key=bare)
    assert names.index("Égypte") < names.index("Espagne") < names.index("États-Unis")


# --- trust question ---------------------------------------------------------------------


def test_trust_question_offers_french_questions(client, at_step_3):
    options = Page(client.get("/inscription/etape-3")).options("trust_question")

    assert ("first_pet", "Quel était le nom de votre premier animal de compagnie ?") in options
    assert len(options) >= 6


def test_a_trust_answer_too_short_is_refused_beside_the_field(at_step_3, draft):
    response = at_step_3.profile(trust_answer="ab")

    assert refusal(response, "trust_answer") == "La réponse doit contenir au moins 3 caractères."
    assert draft()["profile"] == {}


@pytest.mark.parametrize(
    "answer", ["Lefèvre", "LEFEVRE", "  lefevre ", "Hélène", "Paris", "des lilas"]
)
def test_a_trust_answer_equal_to_the_name_or_the_address_is_refused(at_step_3, answer):
    response = at_step_3.profile(trust_answer=answer)

    assert refusal(response, "trust_answer") == PERSONAL_ANSWER


def test_a_trust_answer_equal_to_the_login_local_part_is_refused(at_step_3):
    response = at_step_3.profile(trust_answer="Helene.Lefevre")

    assert refusal(response, "trust_answer") == PERSONAL_ANSWER


def test_trust_answer_is_stored_only_as_an_argon2id_hash_of_its_normalised_form(
    at_step_3, draft, redis_client, draft_key
):
    accepted(at_step_3.profile(trust_answer="  Caramel   des PRÉS "))

    profile = draft()["profile"]
    raw = redis_client.get(draft_key()).decode()
    assert "trust_answer" not in profile
    assert profile["trust_answer_hash"].startswith("$argon2id$")
    assert PasswordHasher().verify(profile["trust_answer_hash"], "caramel des pres")
    for clear in ("Caramel", "caramel", "PRÉS", "pres"):
        assert clear not in raw


def test_back_link_returns_to_the_second_step(client, at_step_3):
    page = Page(client.get("/inscription/etape-3"))

    assert page.link_to("Retour") == "/inscription/etape-2"
