"""Web-level fixtures: read the wizard's draft, the session cookie, the DB rows and the queue."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import redis as redis_lib
from flask import Flask
from flask.testing import FlaskClient
from rq import Queue
from sqlalchemy import func, select

from web.extensions import db

DRAFT_KEY = "wizard:draft:{}"


@pytest.fixture
def session_data(app: Flask, client: FlaskClient) -> Callable[[], dict]:
    """Decode the client's signed session cookie as the app would."""

    def decode() -> dict:
        cookie = client.get_cookie("session")
        if cookie is None:
            return {}
        serializer = app.session_interface.get_signing_serializer(app)
        return dict(serializer.loads(cookie.value))

    return decode


@pytest.fixture
def draft_key(session_data: Callable[[], dict]) -> Callable[[], str | None]:
    """The Redis key of the client's current draft (None before the wizard starts)."""

    def key() -> str | None:
        token = session_data().get("draft")
        return DRAFT_KEY.format(token) if token else None

    return key


@pytest.fixture
def draft(
    draft_key: Callable[[], str | None], redis_client: redis_lib.Redis
) -> Callable[[], dict | None]:
    """The client's draft as stored in Redis (read without renewing its expiry)."""

    def load() -> dict | None:
        key = draft_key()
        raw = redis_client.get(key) if key else None
        return json.loads(raw) if raw is not None else None

    return load


@pytest.fixture
def rows(app: Flask) -> Callable[[type], list]:
    """All rows of a model, read in a fresh session."""

    def read(model: type) -> list:
        with app.app_context():
            found = list(db.session.scalars(select(model).order_by(model.id)))
            db.session.expunge_all()
            return found

    return read


@pytest.fixture
def count(app: Flask) -> Callable[[type], int]:
    """How many rows a model has."""

    def read(model: type) -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(model))

    return read


@pytest.fixture
def mail_queue(redis_client: redis_lib.Redis) -> Queue:
    """The RQ queue the worker sends mails from."""
    return Queue("mail", connection=redis_client)
