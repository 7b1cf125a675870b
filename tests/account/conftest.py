"""An active subscriber made through the real flow, and log-in helpers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, code_from, csrf_token
from web.extensions import db
from web.models import Registration

EMAIL = "helene.lefevre@example.com"


def post_form(client, url: str, data: dict, follow: bool = False, action: str | None = None):
    """GET a page for its CSRF token, then POST the form (to `action` when given)."""
    page = client.get(url)
    return client.post(
        action or url,
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data},
        follow_redirects=follow,
    )


def log_in(client, email: str = EMAIL, password: str = PASSWORD, follow: bool = False):
    """Submit the login form."""
    return post_form(
        client, "/espace/connexion", {"email": email, "password": password}, follow=follow
    )


@pytest.fixture
def subscriber(app, wizard, outbox, run_worker) -> Registration:
    """An active space, signed up and activated through the pages and the worker."""
    wizard.complete(email=EMAIL)
    run_worker()
    post_form(app.test_client(), "/activation/", {"email": EMAIL, "code": code_from(outbox[0])})
    outbox.clear()
    with app.app_context():
        registration = db.session.scalar(select(Registration))
        assert registration.state == "active"
        db.session.expunge(registration)
        return registration
