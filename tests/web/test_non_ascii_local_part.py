"""An address whose local part (before the @) is not ASCII is refused beside the field by
every form that takes an address: the mailer cannot write it without SMTPUTF8, which
Flask-Mail does not speak (issue 13, point 4; docs/SECURITY.md). The domain may be
internationalised: it is mailed in its IDNA form."""

from __future__ import annotations

import pytest
from wtforms.validators import ValidationError

from tests.factories import create_active_space
from tests.support import PASSWORD, WizardActions, logged_in, post_form
from tests.web.pages import refusal
from web.core.forms import normalised_email

MESSAGE = (
    "Avant le @, l'adresse électronique ne peut contenir que des lettres sans accent (a à z), "
    "des chiffres et des signes comme . - _ (exemple : prenom.nom@example.com)."
)
# Accented Latin, Cyrillic, and fullwidth Latin letters (not folded to ASCII: the address
# kept would not be the one typed).
REFUSED = ["jöhn@example.com", "иван@example.com", "ｊｏｈｎ@example.com"]


@pytest.mark.parametrize("address", REFUSED)
def test_the_normaliser_refuses_a_local_part_outside_ascii(app, address):
    with app.test_request_context(), pytest.raises(ValidationError) as refused:
        normalised_email(address)

    assert str(refused.value) == MESSAGE


def test_an_internationalised_domain_is_still_accepted(app):
    with app.test_request_context():
        assert normalised_email("Helene@Exämple.com") == "helene@exämple.com"


@pytest.mark.parametrize("address", REFUSED)
def test_wizard_step_2_refuses_it_beside_the_field(client, draft, address):
    wizard = WizardActions(client)
    wizard.accept_terms()

    response = wizard.credentials(email=address)

    assert refusal(response, "email") == MESSAGE
    assert draft()["email"] is None


@pytest.mark.parametrize("address", REFUSED)
@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("/espace/connexion", {"password": PASSWORD}),
        ("/activation/", {"code": "ABCD-EF12"}),
        ("/activation/nouveau-code", {}),
        ("/recuperation/mot-de-passe", {"subscriber_number": "12345678901234"}),
        ("/recuperation/numero", {}),
    ],
)
def test_login_activation_and_recovery_refuse_it_beside_the_field(client, url, fields, address):
    response = post_form(client, url, {"email": address, **fields})

    assert refusal(response, "email") == MESSAGE


@pytest.mark.parametrize("address", REFUSED)
def test_the_login_address_change_refuses_it_beside_the_field(app, client, address):
    create_active_space(app)
    logged_in(client)

    response = post_form(
        client,
        "/espace/adresse-de-connexion",
        {"current_password": PASSWORD, "new_email": address},
    )

    assert refusal(response, "new_email") == MESSAGE


def test_wizard_step_3_refuses_it_as_the_contact_address(client):
    wizard = WizardActions(client)
    wizard.accept_terms()
    wizard.credentials()

    response = wizard.profile(contact_email=REFUSED[0])

    assert refusal(response, "contact_email") == MESSAGE
