"""`python -m bench.pg_statements`: PostgreSQL statements and commits per sign-up, counted by
the server itself (docs/SCALING.md's capacity plan).

The production stack (bench/stack.py: one gunicorn, one worker.py) on a database of its own
whose `log_statement` is `all`; N flows walked one at a time after a warm-up; the lines that
PostgreSQL logged for that database during the walk are counted (statements, of which
BEGIN/COMMIT/ROLLBACK). Needs a local PostgreSQL whose log file this user can read, and the
right to ALTER DATABASE (the database is dropped and created again, then dropped).
"""

from __future__ import annotations

import argparse
import re
import tempfile
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.driver import run_flows
from bench.stack import Stack

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_statements"
DEFAULT_LOG = "/var/log/postgresql/postgresql-15-main.log"
# Simple protocol ("statement: …") and extended protocol ("execute <name>: …").
LOGGED = re.compile(r"LOG:  (?:statement|execute [^:]*): (\w+)")
SETTINGS = {"ARGON2_MEMORY_KIB": "1024", "ARGON2_TIME_COST": "1"}


def recreate(url: str) -> None:
    """The database, empty, logging every statement (only this database's sessions)."""
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        connection.execute(text(f"ALTER DATABASE \"{name}\" SET log_statement = 'all'"))
    admin.dispose()


def drop(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def count(log: Path, start: int, database: str) -> Counter:
    """Statements logged for `database` past byte `start`, by first keyword."""
    found: Counter = Counter()
    with log.open("rb") as handle:
        handle.seek(start)
        for line in handle.read().decode(errors="replace").splitlines():
            if f"@{database} " not in line:
                continue
            match = LOGGED.search(line)
            if match:
                found[match.group(1).upper()] += 1
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", "-n", type=int, default=20)
    parser.add_argument("--database-url", default=DEFAULT_URL, help="DROPPED and created")
    parser.add_argument("--log", type=Path, default=Path(DEFAULT_LOG))
    options = parser.parse_args()
    database = make_url(options.database_url).database
    recreate(options.database_url)
    try:
        with (
            tempfile.TemporaryDirectory() as workdir,
            Stack(Path(workdir), options.database_url, settings=SETTINGS) as stack,
        ):
            run_flows(stack.web_urls, stack.sink, "warm", 3, concurrency=1)
            start = options.log.stat().st_size
            results, _ = run_flows(stack.web_urls, stack.sink, "pg", options.flows, 1)
            completed = sum(result.completed for result in results)
            found = count(options.log, start, database)
    finally:
        drop(options.database_url)
    total = sum(found.values())
    transactions = found["COMMIT"] + found["ROLLBACK"]
    print(
        f"{completed} flows: {total / completed:.1f} statements per flow, of which "
        f"{transactions / completed:.1f} COMMIT/ROLLBACK, {found['BEGIN'] / completed:.1f} BEGIN"
    )
    for keyword, number in found.most_common():
        print(f"  {keyword:10} {number / completed:6.1f}")
    return 0 if completed == options.flows else 1


if __name__ == "__main__":
    raise SystemExit(main())
