"""The migrations build, on an empty database, exactly the schema the models describe."""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from flask import Flask
from flask.cli import FlaskGroup
from flask_migrate import downgrade, upgrade
from sqlalchemy import Engine, insert, inspect, text
from sqlalchemy.exc import IntegrityError

from bench.stack import drop_everything
from web import MIGRATION_LOCK, create_app
from web import config as settings
from web.extensions import db
from web.models import Registration, utcnow


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def close(app: Flask) -> None:
    """Give back an app's database connections and Redis client."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    app.extensions["redis"].close()


@pytest.fixture
def empty_app(app_config: dict) -> Iterator[Flask]:
    """An app that does not migrate itself, on a database with no table at all."""
    app = create_app(app_config | {"AUTO_MIGRATE": False})
    with app.app_context():
        drop_everything(db.engine)
    yield app
    with app.app_context():
        db.session.remove()
        drop_everything(db.engine)
        db.engine.dispose()
    app.extensions["redis"].close()


def test_an_app_without_auto_migrate_leaves_the_database_empty(empty_app):
    with empty_app.app_context():
        assert table_names(db.engine) == set()


def test_upgrade_on_an_empty_database_creates_every_table(empty_app):
    with empty_app.app_context():
        upgrade()

        tables = table_names(db.engine)
    assert "alembic_version" in tables
    assert {"registration", "mail_outbox"} <= tables
    assert {table.name for table in db.metadata.sorted_tables} <= tables


def test_the_models_match_the_migrated_schema(empty_app):
    with empty_app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)

    assert differences == []


def test_the_migrations_have_a_single_head_and_the_database_is_at_it(empty_app):
    with empty_app.app_context():
        upgrade()
        script = ScriptDirectory.from_config(empty_app.extensions["migrate"].migrate.get_config())
        with db.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()

    assert len(script.get_heads()) == 1
    assert current == tuple(script.get_heads())


def test_the_migrated_schema_refuses_two_live_registrations_for_one_address(empty_app):
    row = {
        "email": "helene.lefevre@example.com",
        "terms_version": "2026-11",
        "terms_accepted_at": utcnow(),
    }
    with empty_app.app_context():
        upgrade()
        with db.engine.begin() as connection:
            connection.execute(insert(Registration).values(**row, state="expired"))
            connection.execute(insert(Registration).values(**row, state="pending"))

        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(insert(Registration).values(**row, state="active"))


def test_downgrade_to_base_then_upgrade_again_round_trips(empty_app):
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
        after_downgrade = table_names(db.engine)
        upgrade()
        after_upgrade = table_names(db.engine)

    assert after_downgrade <= {"alembic_version"}
    assert {table.name for table in db.metadata.sorted_tables} <= after_upgrade


def test_an_app_with_auto_migrate_migrates_itself_on_start(empty_app, app_config):
    migrating = create_app(app_config | {"AUTO_MIGRATE": True})
    try:
        with migrating.app_context():
            tables = table_names(db.engine)
            db.session.remove()
            db.engine.dispose()
    finally:
        migrating.extensions["redis"].close()

    assert {"alembic_version", "registration", "mail_outbox"} <= tables


def test_migrating_raises_no_deprecation_warning(empty_app):
    with warnings.catch_warnings(record=True) as caught, empty_app.app_context():
        warnings.simplefilter("always")
        upgrade()

    assert [str(warning.message) for warning in caught] == []


@pytest.mark.parametrize(
    ("environment", "migrates"),
    [
        ({}, True),
        ({"APP_ENV": "production"}, False),
        ({"APP_ENV": "production", "AUTO_MIGRATE": "1"}, True),
        ({"AUTO_MIGRATE": "0"}, False),
    ],
)
def test_auto_migrate_is_off_by_default_in_production_only(
    monkeypatch, tmp_path, environment, migrates
):
    for name in ("APP_ENV", "AUTO_MIGRATE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    assert settings.from_environment(str(tmp_path))["AUTO_MIGRATE"] is migrates


def test_a_flask_command_never_migrates_even_with_auto_migrate(empty_app, app_config, monkeypatch):
    # `flask --app web ops …` builds the app through FlaskGroup: as the real CLI does.
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")  # FlaskGroup sets it; restored after
    built = []

    def factory() -> Flask:
        built.append(create_app(app_config | {"AUTO_MIGRATE": True}))
        return built[-1]

    result = CliRunner().invoke(FlaskGroup(create_app=factory), ["ops", "--help"])

    assert result.exit_code == 0, result.output
    assert built, "the command did not build the app"
    close(built[0])
    with empty_app.app_context():
        assert table_names(db.engine) == set()


def test_replicas_migrating_together_take_turns_on_postgresql(empty_app, app_config):
    with empty_app.app_context():
        engine = db.engine
        if engine.dialect.name != "postgresql":
            pytest.skip("advisory locks are PostgreSQL's (CI runs this on PostgreSQL)")
        holder = engine.connect()
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        outcome: list = []

        def replica() -> None:
            try:
                outcome.append(create_app(app_config | {"AUTO_MIGRATE": True}))
            except BaseException as error:  # noqa: BLE001 - reported below
                outcome.append(error)

        thread = threading.Thread(target=replica, daemon=True)
        thread.start()
        try:
            # The replica waits on the lock another one holds: nothing migrated meanwhile.
            waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            for _ in range(300):
                if holder.execute(text(waiting)).scalar() or not thread.is_alive():
                    break
                holder.rollback()
                time.sleep(0.05)
            assert holder.execute(text(waiting)).scalar() == 1
            assert table_names(engine) == set()
        finally:
            holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
            holder.commit()
            holder.close()
        thread.join(timeout=60)
        assert not thread.is_alive(), "the replica never migrated once the lock was free"
        assert isinstance(outcome[0], Flask), outcome
        close(outcome[0])
        assert {"alembic_version", "registration"} <= table_names(engine)
