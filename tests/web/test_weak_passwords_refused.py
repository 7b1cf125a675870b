"""Issue 12 point 12 at step 2: weak passwords are refused beside the field, in French (or
English), saying why and how to do better. Step 2 knows only the address: step 3's names
come later, so the address's local part is the person's data here."""

from __future__ import annotations

import pytest

from tests.support import WizardActions
from tests.web.pages import Page, refusal
from web.domain.passwords import COMMON_WITH_DIGITS, TOO_COMMON, WEAK_SEQUENCE

EMAIL = "helene.lefevre@example.com"
CONTAINS_EMAIL = "Le mot de passe ne doit pas contenir votre adresse électronique."


@pytest.fixture
def at_step_2(wizard):
    """A visitor who has accepted the terms."""
    wizard.accept_terms()
    return wizard


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("abcdefgh", WEAK_SEQUENCE),
        ("Motdepasse1", COMMON_WITH_DIGITS),
        ("Soleil2024", COMMON_WITH_DIGITS),
        ("AZERTYUIOP", TOO_COMMON),
        ("marseille", TOO_COMMON),
    ],
)
def test_a_weak_password_is_refused_beside_the_field_and_nothing_is_kept(
    at_step_2, draft, password, message
):
    response = at_step_2.credentials(email=EMAIL, password=password)

    assert refusal(response, "password") == message
    assert draft()["password_hash"] is None
    assert password not in Page(response).html


def test_the_address_is_the_persons_data_at_step_2(at_step_2):
    response = at_step_2.credentials(email=EMAIL, password="Lefevre2024")

    assert refusal(response, "password") == CONTAINS_EMAIL


@pytest.mark.parametrize("password", ["Kq7mZp2x", "Heron58Quartz", "LePetitPrince1"])
def test_a_strong_password_goes_on_to_step_3(at_step_2, password):
    response = at_step_2.credentials(email=EMAIL, password=password)

    assert response.status_code == 302, Page(response).errors()
    assert response.headers["Location"] == "/inscription/etape-3"


def test_the_reason_is_given_in_english_to_an_english_visitor(client):
    assert client.get("/langue/en").status_code == 302
    wizard = WizardActions(client)
    wizard.accept_terms()

    response = wizard.credentials(email=EMAIL, password="Soleil2024")

    assert response.status_code == 200
    assert "a common password followed by digits" in Page(response).error("password")


class TestStrictPolicy:
    """PASSWORD_POLICY=strict: 12 characters, any character, and the same zxcvbn verdict."""

    @pytest.fixture
    def app_config(self, app_config: dict) -> dict:
        return {**app_config, "PASSWORD_POLICY": "strict"}

    @pytest.mark.parametrize("password", ["azertyuiop123", "aaaaaaaaaaaaaaaa", "Motdepasse2024!"])
    def test_a_long_but_weak_password_is_refused(self, at_step_2, password):
        response = at_step_2.credentials(email=EMAIL, password=password)

        assert refusal(response, "password").startswith("Ce mot de passe est")

    def test_a_long_varied_password_is_accepted(self, at_step_2):
        response = at_step_2.credentials(email=EMAIL, password="Kq7v!Tz2m#Wb é")

        assert response.status_code == 302, Page(response).errors()
