"""Database engine options: pre-ping everywhere, a connect timeout on PostgreSQL (decided by
the app's final database URI), and the worker's commits that do not wait for the WAL flush
(web commits still do)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from web import create_app
from web.config import engine_options
from web.extensions import db
from worker import no_commit_wait

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SQLITE = "sqlite:////tmp/x.db"


def config(uri: str, **overrides) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": uri,
        "DATABASE_CONNECT_TIMEOUT": 5,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        **overrides,
    }


def test_sqlite_gets_pre_ping_only():
    assert engine_options(config(SQLITE)) == {"pool_pre_ping": True}
    assert no_commit_wait(SQLITE) == {}


def test_postgresql_gives_up_connecting_after_a_timeout():
    assert engine_options(config(POSTGRES))["connect_args"] == {"connect_timeout": 5}
    assert engine_options(config(POSTGRES, DATABASE_CONNECT_TIMEOUT=2))["connect_args"] == {
        "connect_timeout": 2
    }


def test_the_worker_keeps_the_timeout_and_pre_ping_and_skips_the_flush_wait():
    worker = config(POSTGRES, **no_commit_wait(POSTGRES))
    options = engine_options(worker)
    assert options["pool_pre_ping"] is True
    assert options["connect_args"] == {"connect_timeout": 5, "options": "-c synchronous_commit=off"}


def test_an_app_on_sqlite_gets_no_postgresql_argument(app_config, tmp_path):
    """The URI given to create_app decides, not DATABASE_URL in the environment."""
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db"})
    assert "connect_args" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    with app.app_context():
        assert db.session.execute(text("SELECT 1")).scalar_one() == 1
        db.session.remove()
        db.engine.dispose()
    app.extensions["redis"].close()


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="needs PostgreSQL (DATABASE_URL)",
)
def test_on_postgresql_only_the_worker_session_commits_asynchronously(app_config):
    def setting(overrides: dict) -> str:
        app = create_app({**app_config, **overrides})
        assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["connect_timeout"] == 5
        with app.app_context():
            value = db.session.execute(text("SHOW synchronous_commit")).scalar_one()
            db.session.remove()
            db.engine.dispose()
        app.extensions["redis"].close()
        return value

    assert setting({}) == "on"
    assert setting(no_commit_wait(os.environ["DATABASE_URL"])) == "off"


def test_behind_pgbouncer_in_transaction_pooling_nothing_is_prepared():
    session = engine_options(config(POSTGRES, DATABASE_POOL_MODE="session"))
    transaction = engine_options(config(POSTGRES, DATABASE_POOL_MODE="transaction"))
    assert "prepare_threshold" not in session["connect_args"]
    assert transaction["connect_args"] == {"connect_timeout": 5, "prepare_threshold": None}


def test_the_pool_sizes_come_from_the_settings():
    options = engine_options(
        config(POSTGRES, DATABASE_POOL_SIZE=20, DATABASE_MAX_OVERFLOW=0, DATABASE_POOL_TIMEOUT=7)
    )
    assert (options["pool_size"], options["max_overflow"], options["pool_timeout"]) == (20, 0, 7)
    assert "pool_size" not in engine_options(config(SQLITE, DATABASE_POOL_SIZE=20))


def test_behind_pgbouncer_the_worker_skips_the_flush_wait_per_transaction_not_per_session():
    worker = config(POSTGRES, DATABASE_POOL_MODE="transaction")
    worker.update(no_commit_wait(POSTGRES, "transaction"))
    options = engine_options(worker)
    # No startup parameter: PgBouncer refuses `options`, and its server connections are
    # shared with the web processes (worker.commit_without_waiting sets it per transaction).
    assert "options" not in options["connect_args"]
    assert worker["WORKER_NO_COMMIT_WAIT"] is True
