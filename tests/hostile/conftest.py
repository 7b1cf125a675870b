"""Fixtures of the hostile-input properties: fresh browsers, clean counters, logged-in clients.

The app is built once per test function (hypothesis runs every example against it); each
example gets fresh clients from its own documentation-range address, with the rate-limit
and throttle counters cleared, so that limits set for people do not hide what the forms do.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support import (
    EMAIL,
    PASSWORD,
    credentials_data,
    csrf_token,
    log_in,
    profile_data,
    token_of,
)
from web.extensions import db
from web.models import Registration

COUNTER_PATTERNS = ("LIMITS*", "login:fail:*", "recovery:*", "resend:*")


def documentation_addresses():
    """203.0.113.1 … 203.0.113.254, then 198.51.100.1 … (RFC 5737), round and round."""
    for network in itertools.cycle(("203.0.113", "198.51.100")):
        for host in range(1, 255):
            yield f"{network}.{host}"


@pytest.fixture
def fresh_browser(app: Flask) -> Callable[[], FlaskClient]:
    """A new client per example, from a new address, with the counters cleared."""
    addresses = documentation_addresses()
    connection = app.extensions["redis"]

    def make() -> FlaskClient:
        for pattern in COUNTER_PATTERNS:
            keys = list(connection.scan_iter(match=pattern, count=1000))
            if keys:
                connection.delete(*keys)
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = next(addresses)
        return client

    return make


@pytest.fixture
def restore_subscriber(app: Flask, subscriber_id: int) -> Callable[[], None]:
    """Put the space back as it was, should an example have changed it for good."""
    columns = [column.key for column in Registration.__table__.columns if column.key != "id"]
    with app.app_context():
        registration = db.session.get(Registration, subscriber_id)
        original = {name: getattr(registration, name) for name in columns}

    def restore() -> None:
        with app.app_context():
            registration = db.session.get(Registration, subscriber_id)
            for name, value in original.items():
                setattr(registration, name, value)
            db.session.commit()

    return restore


@pytest.fixture
def logged_in(
    fresh_browser: Callable[[], FlaskClient], subscriber_id: int
) -> Callable[[], FlaskClient]:
    """A fresh browser logged in to the space through the login page."""

    def make() -> FlaskClient:
        client = fresh_browser()
        response = log_in(client, EMAIL, PASSWORD)
        assert response.status_code == 302, "the test subscriber could not log in"
        return client

    return make


@pytest.fixture
def wizard_at(fresh_browser: Callable[[], FlaskClient]) -> Callable[..., tuple[FlaskClient, str]]:
    """A fresh browser whose wizard is done up to (not including) a step, and its CSRF token.

    One token serves the whole session: fetching it once spares rendering every step.
    """

    def make(step: int, email: str = EMAIL) -> tuple[FlaskClient, str]:
        client = fresh_browser()
        token = token_of(client, "/inscription/etape-1")
        steps = [
            ("/inscription/etape-1", {"accept": "y"}),
            ("/inscription/etape-2", credentials_data(email)),
            ("/inscription/etape-3", profile_data()),
        ]
        for url, fields in steps[: step - 1]:
            response = client.post(url, data={"csrf_token": token, **fields})
            assert response.status_code == 302, f"{url} refused the valid form"
        return client, token

    return make


@pytest.fixture
def foreign_token(app: Flask) -> str:
    """A genuine token, but from another browser's session."""
    return csrf_token(app.test_client().get("/espace/connexion").get_data(as_text=True))
