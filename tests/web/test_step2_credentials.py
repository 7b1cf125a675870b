"""2ème étape: the login address and the password, hashed as soon as the step is accepted."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from tests.support import PASSWORD
from tests.web.pages import Page, refusal

EMAIL = "helene.lefevre@example.com"
SEVEN = "Kq7mZp2"
EIGHT = "Kq7mZp2x"
TWENTY = "Kq7mZp2xWv9rTb4nLs6d"
TWENTY_ONE = TWENTY + "a"


@pytest.fixture
def at_step_2(wizard):
    """A visitor who has accepted the terms."""
    wizard.accept_terms()
    return wizard


def test_second_step_asks_for_address_and_password_twice(client, at_step_2):
    page = Page(client.get("/inscription/etape-2"))

    assert page.h1 == "2ème étape : créez vos identifiants"
    assert "Étape 2 sur 4" in page.text
    assert "ne pourra être utilisée que pour un seul et unique espace" in page.text
    assert "8 caractères minimum et 20 caractères maximum" in page.text
    for name in ("email", "email_confirm", "password", "password_confirm"):
        assert "required" in page.control(name).attrs, name
    assert page.control("password").attrs["type"] == "password"
    assert page.control("password").attrs["autocomplete"] == "new-password"


def test_an_invalid_address_is_refused_beside_the_field(at_step_2, draft):
    response = at_step_2.credentials(email="helene.lefevre@", confirm_email="helene.lefevre@")

    message = refusal(response, "email")
    assert message == "L'adresse électronique n'est pas valide (exemple : prenom.nom@example.com)."
    assert draft()["email"] is None
    assert draft()["password_hash"] is None


def test_an_empty_address_is_asked_for(at_step_2):
    response = at_step_2.credentials(email="", confirm_email="")

    assert refusal(response, "email") == "Saisissez votre adresse électronique."
    assert refusal(response, "email_confirm") == "Confirmez votre adresse électronique."


def test_mismatched_addresses_are_refused_beside_the_confirmation(at_step_2, draft):
    response = at_step_2.credentials(confirm_email="helene.lefebvre@example.com")

    message = refusal(response, "email_confirm")
    assert message == "Les deux adresses électroniques ne sont pas identiques."
    assert Page(response).error("email") is None
    assert draft()["password_hash"] is None


def test_addresses_are_compared_ignoring_case_and_stored_in_lower_case(at_step_2, draft):
    response = at_step_2.credentials(
        email="Helene.Lefevre@EXAMPLE.com", confirm_email="helene.lefevre@example.COM"
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/inscription/etape-3"
    assert draft()["email"] == EMAIL


def test_a_refused_form_gives_back_the_address_but_never_the_password(at_step_2):
    response = at_step_2.credentials(password=SEVEN)

    page = Page(response)
    assert page.value("email") == EMAIL
    assert page.value("password") == ""
    assert page.value("password_confirm") == ""
    assert SEVEN not in page.html


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (SEVEN, "Le mot de passe doit contenir au moins 8 caractères."),
        (TWENTY_ONE, "Le mot de passe doit contenir au plus 20 caractères."),
        (
            "Kq7mZp2x!",
            "Le mot de passe ne peut contenir que des lettres non accentuées et des chiffres.",
        ),
        (
            "password1",
            "Ce mot de passe est trop courant et facile à deviner : choisissez-en un autre.",
        ),
        ("Lefevre2024x", "Le mot de passe ne doit pas contenir votre adresse électronique."),
    ],
    ids=["7-characters", "21-characters", "with-a-symbol", "common", "contains-local-part"],
)
def test_a_password_breaking_the_policy_is_refused_beside_the_field(
    at_step_2, draft, password, message
):
    response = at_step_2.credentials(password=password)

    assert refusal(response, "password") == message
    assert draft()["password_hash"] is None
    assert draft()["email"] is None


@pytest.mark.parametrize("password", [EIGHT, TWENTY], ids=["8-characters", "20-characters"])
def test_a_password_of_8_to_20_letters_and_digits_is_accepted(at_step_2, draft, password):
    response = at_step_2.credentials(password=password)

    assert response.status_code == 302
    assert response.headers["Location"] == "/inscription/etape-3"
    assert PasswordHasher().verify(draft()["password_hash"], password)


def test_mismatched_passwords_are_refused_beside_the_confirmation(at_step_2, draft):
    response = at_step_2.credentials(confirm_password=PASSWORD + "9")

    message = refusal(response, "password_confirm")
    assert message == "Les deux mots de passe ne sont pas identiques."
    assert Page(response).error("password") is None
    assert draft()["password_hash"] is None


def test_an_empty_password_is_refused_on_first_entry(at_step_2, draft):
    response = at_step_2.credentials(password="")

    assert refusal(response, "password") == "Saisissez votre mot de passe."
    assert refusal(response, "password_confirm") == "Confirmez votre mot de passe."
    assert draft()["password_hash"] is None


def test_the_password_is_hashed_with_argon2id_as_soon_as_the_step_is_accepted(
    at_step_2, draft, redis_client, draft_key
):
    at_step_2.credentials()

    raw = redis_client.get(draft_key()).decode()
    assert draft()["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in raw
    assert PasswordHasher().verify(draft()["password_hash"], PASSWORD)


class TestWithTheDefaultArgon2Parameters:
    """The suite uses cheap hashes; the shipped defaults are OWASP's m=19 MiB, t=2, p=1."""

    @pytest.fixture
    def app_config(self, app_config):
        return {key: value for key, value in app_config.items() if not key.startswith("ARGON2")}

    def test_the_password_hash_uses_owasp_parameters(self, at_step_2, draft):
        at_step_2.credentials()

        assert draft()["password_hash"].startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_modifier_with_empty_password_fields_keeps_the_hash(client, wizard, draft):
    wizard.accept_terms()
    wizard.credentials()
    wizard.profile()
    kept_hash = draft()["password_hash"]

    page = Page(client.get("/inscription/etape-2"))
    response = wizard.credentials(password="")

    assert "Laissez ces deux champs vides pour conserver le mot de passe déjà saisi" in page.text
    assert "required" not in page.control("password").attrs
    assert page.value("email") == EMAIL
    assert response.status_code == 302
    assert response.headers["Location"] == "/inscription/confirmation"
    assert draft()["password_hash"] == kept_hash


def test_modifier_with_a_new_password_replaces_the_hash(wizard, draft):
    wizard.accept_terms()
    wizard.credentials()
    first_hash = draft()["password_hash"]

    wizard.credentials(password=TWENTY)

    assert draft()["password_hash"] != first_hash
    assert PasswordHasher().verify(draft()["password_hash"], TWENTY)


def test_correcting_the_address_keeps_the_password_left_empty(wizard, draft):
    # Issue 12: the hint says the fields may be left empty; a typo fix must not force them.
    wizard.accept_terms()
    wizard.credentials()
    kept = draft()

    response = wizard.credentials(email="h.lefevre@example.com", password="")

    assert response.status_code == 302
    assert draft()["email"] == "h.lefevre@example.com"
    assert draft()["password_hash"] == kept["password_hash"]


def test_correcting_the_address_moves_a_contact_address_that_followed_it(wizard, draft):
    wizard.accept_terms()
    wizard.credentials()
    wizard.profile()
    assert draft()["profile"]["contact_email"] == EMAIL

    wizard.credentials(email="h.lefevre@example.com", password="")

    assert draft()["profile"]["contact_email"] == "h.lefevre@example.com"


def test_correcting_the_address_keeps_a_contact_address_set_apart(wizard, draft):
    wizard.accept_terms()
    wizard.credentials()
    wizard.profile(contact_email="secretariat@example.com")

    wizard.credentials(email="h.lefevre@example.com", password="")

    assert draft()["profile"]["contact_email"] == "secretariat@example.com"


def test_changing_the_address_with_a_new_password_is_accepted(wizard, draft):
    wizard.accept_terms()
    wizard.credentials()

    response = wizard.credentials(email="h.lefevre@example.com", password=EIGHT)

    assert response.status_code == 302
    assert draft()["email"] == "h.lefevre@example.com"
    assert PasswordHasher().verify(draft()["password_hash"], EIGHT)


def test_back_link_returns_to_the_first_step(client, at_step_2):
    page = Page(client.get("/inscription/etape-2"))

    assert page.link_to("Retour") == "/inscription/etape-1"
