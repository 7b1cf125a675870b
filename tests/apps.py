"""Apps beside the test's own: built with other settings and closed, schemas dropped whole."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from flask import Flask
from sqlalchemy import Engine, MetaData, text

from web import create_app
from web.extensions import db


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
