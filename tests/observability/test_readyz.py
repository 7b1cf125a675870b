"""/readyz: 200 when the database answers at the migrations' head and Redis answers; else 503
saying which check failed, and nothing more."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade

from tests.apps import other_app
from web.core.request_log import REQUEST_ID_HEADER
from web.extensions import db


def closed_redis_url() -> str:
    """A Redis URL where nothing listens (a port just released)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def assert_plain_answer(response) -> dict:
    """A small JSON body, no cookie, no error text: what a probe may be shown."""
    assert response.mimetype == "application/json"
    assert "Set-Cookie" not in response.headers
    body = response.get_data(as_text=True)
    for leak in ("Traceback", "Error", "postgresql", "sqlite", "redis://", "password"):
        assert leak not in body
    return json.loads(body)


@pytest.mark.parametrize(
    ("schema", "status", "readiness", "migrations"),
    [
        # The migrated fixture runs the migrations: alembic_version at the head.
        ("migrated", 200, "ready", "ok"),
        # The app fixture builds the tables from the models: no alembic_version at all.
        ("app", 503, "unavailable", "not at head"),
    ],
    ids=["a_migrated_database_with_redis_is_ready", "a_schema_built_without_the_migrations"],
)
def test_readiness_follows_the_migrations(
    request: pytest.FixtureRequest, schema: str, status: int, readiness: str, migrations: str
):
    response = request.getfixturevalue(schema).test_client().get("/readyz")

    assert response.status_code == status
    assert assert_plain_answer(response) == {
        "status": readiness,
        "checks": {"database": "ok", "migrations": migrations, "redis": "ok"},
    }
    if schema == "migrated":
        assert response.headers[REQUEST_ID_HEADER]


def test_a_database_one_migration_behind_is_not_ready(migrated: Flask):
    client = migrated.test_client()
    with migrated.app_context():
        downgrade(revision="-1")
        db.session.remove()

    behind = client.get("/readyz")
    with migrated.app_context():
        upgrade()
    again = client.get("/readyz")

    assert behind.status_code == 503
    assert assert_plain_answer(behind)["checks"]["migrations"] == "not at head"
    assert again.status_code == 200


def test_an_unreachable_redis_makes_the_app_not_ready(app_config: dict, migrated: Flask):
    with other_app(app_config | {"REDIS_URL": closed_redis_url()}) as lost:
        response = lost.test_client().get("/readyz")

    assert response.status_code == 503
    assert assert_plain_answer(response) == {
        "status": "unavailable",
        "checks": {"database": "ok", "migrations": "ok", "redis": "unreachable"},
    }


def test_an_unreachable_database_makes_the_app_not_ready(app_config: dict, tmp_path):
    missing = tmp_path / "no-such-directory" / "espace-pro.db"
    with other_app(app_config | {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"}) as lost:
        response = lost.test_client().get("/readyz")

    assert response.status_code == 503
    assert assert_plain_answer(response) == {
        "status": "unavailable",
        "checks": {"database": "unreachable", "migrations": "unknown", "redis": "ok"},
    }
