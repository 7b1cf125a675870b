"""Readiness: the database answers, Redis answers, the schema is at the migrations' head."""

from __future__ import annotations

import functools
import logging

import redis
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from web.extensions import db, redis_store

log = logging.getLogger("espace_pro.health")
OK = "ok"


@functools.cache
def migration_heads(directory: str) -> frozenset[str]:
    """The head revision(s) of the migrations shipped with this code (read once)."""
    config = Config()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def database_checks() -> dict[str, str]:
    """Whether the database answers, and whether its schema is at the head."""
    heads = migration_heads(current_app.extensions["migrate"].directory)
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = frozenset(MigrationContext.configure(connection).get_current_heads())
    except (SQLAlchemyError, OSError) as error:
        log.warning("readiness: database unreachable (%s)", type(error).__name__)
        return {"database": "unreachable", "migrations": "unknown"}
    return {"database": OK, "migrations": OK if current == heads else "not at head"}


def redis_check() -> str:
    """Whether Redis answers (within the app client's timeouts)."""
    try:
        redis_store.connection.ping()
    except redis.RedisError as error:
        log.warning("readiness: Redis unreachable (%s)", type(error).__name__)
        return "unreachable"
    return OK


def readiness() -> dict[str, str]:
    """Every check by name: "ok", or what is wrong (never an error's text: it may hold a URL)."""
    return {**database_checks(), "redis": redis_check()}
