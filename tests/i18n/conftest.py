"""English fixtures: a browser that chose English, and a space made through English pages."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.i18n.english import EMAIL, english_browser, sign_up_in_english
from tests.support import PASSWORD, code_from, post_form
from web.extensions import db
from web.models import Registration


@pytest.fixture
def english(app: Flask) -> FlaskClient:
    """A browser in English."""
    return english_browser(app)


@pytest.fixture
def english_subscriber(app: Flask, english: FlaskClient, outbox: list, run_worker) -> Registration:
    """An active space signed up and activated in English; `english` is logged in."""
    sign_up_in_english(english)
    run_worker()
    (mail,) = [mail for mail in outbox if mail["To"] == EMAIL]
    post_form(english, "/activation/", {"email": EMAIL, "code": code_from(mail)})
    post_form(english, "/espace/connexion", {"email": EMAIL, "password": PASSWORD})
    outbox.clear()
    with app.app_context():
        registration = db.session.scalar(select(Registration).where(Registration.email == EMAIL))
        assert registration.state == "active"
        db.session.expunge(registration)
        return registration
