"""English fixtures: a browser that chose English, and a space made through English pages."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import PASSWORD, WizardActions, code_from, csrf_token
from tests.i18n.english import EMAIL, PROFILE
from web.extensions import db
from web.models import Registration


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "app_config(**overrides): settings this test's app is built with"
    )


@pytest.fixture
def app_config(app_config: dict, request: pytest.FixtureRequest) -> dict:
    """The shared overrides, plus those of the test's `app_config` marker."""
    for marker in request.node.iter_markers("app_config"):
        app_config.update(marker.kwargs)
    return app_config


def english_browser(app: Flask) -> FlaskClient:
    """A new browser that chose English with the switch (its `lang` cookie)."""
    client = app.test_client()
    response = client.get("/langue/en")
    assert response.status_code == 302
    return client


@pytest.fixture
def english(app: Flask) -> FlaskClient:
    """A browser in English."""
    return english_browser(app)


def post_form(
    client: FlaskClient, url: str, data: dict, follow: bool = False, action: str | None = None
):
    """GET the page for its CSRF token, then POST the form (to `action` when given)."""
    page = client.get(url)
    return client.post(
        action or url,
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data},
        follow_redirects=follow,
    )


def sign_up_in_english(client: FlaskClient, email: str = EMAIL, **overrides):
    """The four steps in English, validated; returns the waiting page."""
    wizard = WizardActions(client)
    wizard.accept_terms()
    wizard.credentials(email=email)
    wizard.post("/inscription/etape-3", {**PROFILE, **overrides})
    return wizard.confirm(follow=True)


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
