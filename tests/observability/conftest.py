"""Observability fixtures: migrated databases, scrapes of /metrics, the access log."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask_migrate import upgrade
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, MetaData, text

from web import create_app
from web.extensions import db

METRICS_TOKEN = "obs-metrics-token-for-tests"  # noqa: S105 - a test value


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "app_config(**overrides): settings this test's app is built with"
    )


@pytest.fixture
def app_config(app_config: dict, request: pytest.FixtureRequest) -> dict:
    """The shared overrides, a metrics token, plus those of the test's `app_config` marker."""
    app_config["METRICS_TOKEN"] = METRICS_TOKEN
    for marker in request.node.iter_markers("app_config"):
        app_config.update(marker.kwargs)
    return app_config


def drop_everything(engine: Engine) -> None:
    """Drop every table, alembic_version included (and PostgreSQL's enum types)."""
    existing = MetaData()
    existing.reflect(bind=engine)
    existing.drop_all(bind=engine)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            for (name,) in connection.execute(
                text(
                    "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                    "WHERE n.nspname = current_schema() AND t.typtype = 'e'"
                )
            ):
                connection.execute(text(f'DROP TYPE IF EXISTS "{name}" CASCADE'))


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


@contextlib.contextmanager
def other_app(config: dict) -> Iterator[Flask]:
    """A second app (other settings) whose connections are closed afterwards."""
    built = create_app(config)
    try:
        yield built
    finally:
        with built.app_context():
            db.session.remove()
            db.engine.dispose()
        built.extensions["redis"].close()


def samples(text_body: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of a Prometheus text, by name and labels (parsed by prometheus_client)."""
    found = {}
    for family in text_string_to_metric_families(text_body):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


@pytest.fixture
def scrape(client) -> Callable[[], dict]:
    """GET /metrics with the token; its samples."""

    def scrape() -> dict:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert response.status_code == 200, response.status
        return samples(response.get_data(as_text=True))

    return scrape


def value(found: dict, name: str, **labels: str) -> float:
    """One sample's value (0 when the series is absent)."""
    return found.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def access_log(caplog: pytest.LogCaptureFixture) -> Callable[[], list[logging.LogRecord]]:
    """The access-log records (logger espace_pro.access) written so far."""
    caplog.set_level(logging.DEBUG, logger="espace_pro.access")
    return lambda: [record for record in caplog.records if record.name == "espace_pro.access"]
