"""Database engine options: pre-ping everywhere, a connect timeout on PostgreSQL, and the
worker's commits that do not wait for the WAL flush (web commits still do)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from web import create_app
from web.config import engine_options
from web.extensions import db
from worker import no_commit_wait

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def test_sqlite_gets_pre_ping_only():
    assert engine_options("sqlite:////tmp/x.db") == {"pool_pre_ping": True}
    assert no_commit_wait("sqlite:////tmp/x.db") == {}


def test_postgresql_gives_up_connecting_after_a_timeout(monkeypatch):
    assert engine_options(POSTGRES)["connect_args"] == {"connect_timeout": 5}
    monkeypatch.setenv("DATABASE_CONNECT_TIMEOUT", "2")
    assert engine_options(POSTGRES)["connect_args"] == {"connect_timeout": 2}


def test_the_worker_keeps_the_timeout_and_pre_ping_and_skips_the_flush_wait():
    options = no_commit_wait(POSTGRES)["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is True
    assert options["connect_args"] == {
        "connect_timeout": 5, "options": "-c synchronous_commit=off"}
    assert engine_options(POSTGRES)["connect_args"] == {"connect_timeout": 5}  # not shared


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
                    reason="needs PostgreSQL (DATABASE_URL)")
def test_on_postgresql_only_the_worker_session_commits_asynchronously(app_config):
    def setting(overrides: dict) -> str:
        app = create_app({**app_config, **overrides})
        with app.app_context():
            value = db.session.execute(text("SHOW synchronous_commit")).scalar_one()
            db.session.remove()
            db.engine.dispose()
        app.extensions["redis"].close()
        return value

    url = os.environ["DATABASE_URL"]
    web_options = {"SQLALCHEMY_ENGINE_OPTIONS": engine_options(url)}
    assert setting(web_options) == "on"
    assert setting(no_commit_wait(url)) == "off"
