"""Dossiers fixtures: logged-in clients of the subscriber made in the DB, its dossiers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.dossiers.space import Space
from tests.support import EMAIL, logged_in


@pytest.fixture
def log_in(app: Flask) -> Callable[[str], FlaskClient]:
    """A new client logged in through the login page."""

    def log_in(email: str = EMAIL) -> FlaskClient:
        return logged_in(app.test_client(), email)

    return log_in


@pytest.fixture
def logged_in_client(subscriber_id: int, log_in: Callable[[str], FlaskClient]) -> FlaskClient:
    """The main subscriber, logged in."""
    return log_in(EMAIL)


@pytest.fixture
def space(app: Flask, logged_in_client: FlaskClient, subscriber_id: int) -> Space:
    """The main subscriber's dossiers, driven through a logged-in client."""
    return Space(app, logged_in_client, subscriber_id)
