"""Counting what a request asks of the database (issue 17's statement-count tests)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from web.extensions import db


@contextmanager
def sql_counted(app) -> Iterator[Counter]:
    """Count the statements (by first keyword), the commits and the pool checkouts (each
    one a liveness ping: pool_pre_ping) of the app's engine."""
    counts: Counter = Counter()
    with app.app_context():
        engine = db.engine

    def statement(conn, cursor, sql, parameters, context, executemany) -> None:
        counts[sql.split(None, 1)[0].upper()] += 1
        counts["statements"] += 1

    def commit(conn) -> None:
        counts["commits"] += 1

    def checkout(dbapi_connection, record, proxy) -> None:
        counts["checkouts"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    event.listen(engine, "checkout", checkout)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
        event.remove(engine, "checkout", checkout)
