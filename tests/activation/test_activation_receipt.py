"""The success page shows the new number and offers the PDF to the browser session that
activated, for 15 minutes, until it logs in or out; a copy of its cookie shows nothing more."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from tests.account.spaces import frozen_clock
from tests.activation.helpers import EMAIL, activate, activated_number
from tests.factories import create_subscriber
from tests.support import SECOND_EMAIL, log_in, post_form
from tests.web.pages import Page

LOG_IN_INSTEAD = "Connectez-vous à votre espace abonné pour retrouver votre numéro"


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of the client's session cookie."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def assert_nothing_personal(client: FlaskClient, number: str) -> None:
    """The success page asks to log in, shows no number; the PDF leads there too."""
    response = client.get("/activation/reussie")
    assert response.status_code == 200
    page = Page(response)
    assert page.h1 == "Votre inscription"
    assert LOG_IN_INSTEAD in page.text
    assert number not in response.get_data(as_text=True)
    assert "subscriber-number" not in response.get_data(as_text=True)
    pdf = client.get("/activation/formulaire.pdf")
    assert pdf.status_code == 302 and pdf.location == "/activation/reussie"
    assert pdf.mimetype != "application/pdf"


def test_the_number_and_pdf_show_for_fifteen_minutes_then_the_page_asks_to_log_in(
    app, client, sign_up
):
    code = sign_up()
    with frozen_clock() as clock:
        number = activated_number(activate(client, EMAIL, code))
        assert number

        clock.shift(timedelta(minutes=14, seconds=59))
        assert activated_number(client.get("/activation/reussie")) == number
        pdf = client.get("/activation/formulaire.pdf")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"

        clock.shift(timedelta(seconds=2))
        assert_nothing_personal(client, number)


def test_logging_in_ends_the_receipt_in_this_browser_and_in_a_copy_of_its_cookie(
    app, client, sign_up
):
    code = sign_up()
    number = activated_number(activate(client, EMAIL, code))
    assert number
    taken_before_login = copy_of(app, client)
    assert activated_number(copy_of(app, client).get("/activation/reussie")) == number

    assert log_in(client).status_code == 302

    assert_nothing_personal(client, number)
    assert_nothing_personal(taken_before_login, number)


def test_logging_out_ends_the_receipt_in_this_browser_and_in_a_copy_of_its_cookie(
    app, client, sign_up
):
    # Someone logged in on this browser activates a colleague's space, then logs out.
    create_subscriber(app)
    assert log_in(client).status_code == 302
    code = sign_up(email=SECOND_EMAIL)
    number = activated_number(activate(client, SECOND_EMAIL, code))
    assert number
    taken_before_logout = copy_of(app, client)

    response = post_form(client, "/espace/", {}, action="/espace/deconnexion")
    assert response.status_code == 302 and response.location == "/espace/connexion"

    assert_nothing_personal(client, number)
    assert_nothing_personal(taken_before_logout, number)


def test_another_browser_sees_nothing_of_the_new_space(app, client, sign_up):
    code = sign_up()
    number = activated_number(activate(client, EMAIL, code))
    assert number

    assert_nothing_personal(app.test_client(), number)
    assert activated_number(client.get("/activation/reussie")) == number
