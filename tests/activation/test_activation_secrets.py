"""The code exists in clear only in the worker's memory and in the mail: never in the DB,
in Redis (any key, any value, RQ's pickled job data included), in job arguments, in logs
or in the session cookie."""

from __future__ import annotations

import logging
import zlib

import pytest
from rq import Queue, SimpleWorker
from rq.job import Job
from sqlalchemy import select

from tests.activation.helpers import EMAIL, activate, activated_number, resend
from tests.support import WizardActions, code_from
from web.extensions import db

# The SMTP server stands for the recipient's mail system: it is meant to read the mail.
SMTP_SERVER_LOGGERS = ("mail.log",)


def forms_of(code: str) -> list[bytes]:
    """Every way a code could be written down: grouped, bare, lower-case, spaced."""
    bare = code.replace("-", "")
    texts = {code, bare, code.lower(), bare.lower(), code.replace("-", " ")}
    return [text.encode() for text in texts]


def redis_contents(connection) -> list[bytes]:
    """Every key and every value in Redis, whatever its type, RQ job data decompressed."""
    found = []
    for key in connection.scan_iter("*"):
        found.append(key)
        kind = connection.type(key).decode()
        if kind == "string":
            found.append(connection.get(key))
        elif kind == "hash":
            for field, value in connection.hgetall(key).items():
                found += [field, value]
                if field == b"data":
                    found.append(zlib.decompress(value))
        elif kind == "list":
            found += connection.lrange(key, 0, -1)
        elif kind == "set":
            found += list(connection.smembers(key))
        elif kind == "zset":
            found += [member for member, _ in connection.zrange(key, 0, -1, withscores=True)]
        elif kind == "stream":
            for _, entry in connection.xrange(key):
                for field, value in entry.items():
                    found += [field, value]
        else:  # pragma: no cover - a type the app does not use
            pytest.fail(f"unexpected Redis type {kind} for {key!r}")
    return found


def database_contents(app) -> list[bytes]:
    """Every value of every column of every table, as text."""
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)):
                found += [str(value).encode() for value in row if value is not None]
    return found


def run_worker_at_debug(app) -> None:
    """The same burst worker as `run_worker`, logging everything."""
    connection = app.extensions["redis"]
    queues = [Queue(name, connection=connection) for name in ("mail", "maintenance")]
    with app.app_context():
        SimpleWorker(queues, connection=connection).work(burst=True, logging_level="DEBUG")


@pytest.fixture
def every_log_record(caplog: pytest.LogCaptureFixture):
    """All log records of the test at DEBUG, RQ's own loggers (which do not propagate)
    included."""
    caplog.set_level(logging.DEBUG)
    rq_loggers = [
        logging.getLogger(name)
        for name in ("rq", "rq.worker", "rq.job", "rq.queue", "rq.scheduler")
    ]
    for logger in rq_loggers:
        logger.addHandler(caplog.handler)
    yield caplog
    for logger in rq_loggers:
        logger.removeHandler(caplog.handler)


def test_codes_never_appear_in_db_redis_job_args_logs_or_session(
    app, every_log_record, outbox, redis_client, registration, outbox_rows
):
    client = app.test_client()
    WizardActions(client).complete(email=EMAIL)
    run_worker_at_debug(app)
    first = code_from(outbox[-1])
    resend(client)
    run_worker_at_debug(app)
    second = code_from(outbox[-1])
    activate(client, EMAIL, first)  # refused: a resend killed it
    assert activated_number(activate(client, EMAIL, second)) is not None
    codes = [first, second]
    assert len(set(codes)) == 2

    # Nothing was hidden from the scan: the mails carry the codes, the stores are not empty.
    assert len(outbox) == 2
    database = database_contents(app)
    redis = redis_contents(redis_client)
    assert any(value == EMAIL.encode() for value in database)
    assert any(key.startswith(b"rq:job:") for key in redis)
    records = [
        record for record in every_log_record.records if record.name not in SMTP_SERVER_LOGGERS
    ]
    assert any(record.name == "espace_pro.worker" for record in records)
    assert any(record.name.startswith("rq.") for record in records)

    for code in codes:
        for form in forms_of(code):
            assert not [value for value in database if form in value], form
            assert not [value for value in redis if form in value], form
            for record in records:
                text = record.getMessage() + (record.exc_text or "")
                assert form.decode() not in text, (record.name, text)

    rows = outbox_rows()
    assert len(rows) == 2
    for row in rows:
        job = Job.fetch(row.job_id, connection=redis_client)
        assert job.args == (registration().id,)
        assert job.kwargs == {}

    cookie = client.get_cookie("session")
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)
    session = serializer.loads(cookie.value)
    for code in codes:
        for form in forms_of(code):
            assert form.decode() not in cookie.value
            assert form.decode() not in repr(session)
