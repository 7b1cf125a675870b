"""Observability fixtures: migrated databases, scrapes of /metrics, the access log."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask_migrate import upgrade

from bench.stack import drop_everything
from tests.observability.helpers import METRICS_TOKEN, samples
from web.extensions import db


@pytest.fixture
def app_config(app_config: dict) -> dict:
    """The shared overrides and a metrics token."""
    app_config["METRICS_TOKEN"] = METRICS_TOKEN
    return app_config


@pytest.fixture
def migrated(app: Flask) -> Iterator[Flask]:
    """The test app on a schema built by the migrations (alembic_version at the head)."""
    with app.app_context():
        db.session.remove()
        drop_everything(db.engine)
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        # The app fixture drops only the models' tables: alembic_version must go too.
        drop_everything(db.engine)


@pytest.fixture
def scrape(client) -> Callable[[], dict]:
    """GET /metrics with the token; its samples."""

    def scrape() -> dict:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert response.status_code == 200, response.status
        return samples(response.get_data(as_text=True))

    return scrape


@pytest.fixture
def access_log(caplog: pytest.LogCaptureFixture) -> Callable[[], list[logging.LogRecord]]:
    """The access-log records (logger espace_pro.access) written so far."""
    caplog.set_level(logging.DEBUG, logger="espace_pro.access")
    return lambda: [record for record in caplog.records if record.name == "espace_pro.access"]
