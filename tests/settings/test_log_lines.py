"""LOG_LEVEL and LOG_FORMAT: the web app's lines as configure_logging (make run, worker,
cron) and gunicorn.conf.py's logging_dict write them; one UTC timestamp everywhere."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import re
from collections.abc import Callable, Iterator

import pytest

from tests.support import logging_restored
from web.core.logs import (
    CURRENT_JOB,
    JsonFormatter,
    TextFormatter,
    configure_logging,
    logging_dict,
    utc_timestamp,
)

UTC_MILLISECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture
def configured() -> Iterator[Callable[[str, str], io.StringIO]]:
    """configure_logging into a buffer, undone afterwards."""

    def configure(level: str, log_format: str) -> io.StringIO:
        stream = io.StringIO()
        configure_logging(level, log_format, stream)
        return stream

    with logging_restored():
        yield configure


def test_json_lines_from_the_web_app_carry_time_level_logger_and_request_id(client, configured):
    stream = configured("INFO", "json")

    response = client.get("/")

    (line,) = stream.getvalue().splitlines()
    document = json.loads(line)
    assert document["logger"] == "espace_pro.access" and document["level"] == "INFO"
    assert document["request_id"] == response.headers["X-Request-ID"]
    assert document["message"].startswith(f"{response.headers['X-Request-ID']} GET / 200 ")
    assert UTC_MILLISECONDS.fullmatch(document["time"])


def test_text_lines_start_with_the_same_utc_timestamp(client, configured):
    stream = configured("INFO", "text")

    client.get("/")

    (line,) = stream.getvalue().splitlines()
    stamp, rest = line.split(" ", 1)
    assert UTC_MILLISECONDS.fullmatch(stamp)
    assert re.match(r"\[\d+\] INFO espace_pro\.access: [0-9a-f]{16} GET / 200 ", rest), rest


def test_log_level_warning_silences_info(client, configured):
    stream = configured("WARNING", "text")

    client.get("/")
    logging.getLogger("espace_pro.worker").info("an info line")
    logging.getLogger("espace_pro.worker").warning("a warning line")

    (line,) = stream.getvalue().splitlines()
    assert line.endswith("WARNING espace_pro.worker: a warning line")


def test_a_jobs_lines_carry_its_id_and_its_requests(configured):
    stream = configured("INFO", "json")
    token = CURRENT_JOB.set(("outbox-12", "3f2a9c0d1e2b4a5f"))
    try:
        logging.getLogger("espace_pro.worker").info("handed to SMTP")
    finally:
        CURRENT_JOB.reset(token)

    document = json.loads(stream.getvalue())
    assert (document["job_id"], document["request_id"]) == ("outbox-12", "3f2a9c0d1e2b4a5f")


def test_a_cron_jobs_lines_carry_no_request_id(configured):
    stream = configured("INFO", "json")
    token = CURRENT_JOB.set(("a1b2c3", "-"))
    try:
        logging.getLogger("espace_pro.worker").info("expire_registrations: 0 in 3 ms")
    finally:
        CURRENT_JOB.reset(token)

    document = json.loads(stream.getvalue())
    assert document["job_id"] == "a1b2c3" and "request_id" not in document


def test_the_dev_mail_sinks_connection_lines_are_quieted_by_level(configured):
    stream = configured("INFO", "text")

    logging.getLogger("mail.log").info("Peer: ('127.0.0.1', 53718)")

    assert stream.getvalue() == ""


def test_an_exception_stays_inside_its_json_line(configured):
    stream = configured("INFO", "json")
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("espace_pro.worker").exception("failed")

    (line,) = stream.getvalue().splitlines()
    assert "ValueError: boom" in json.loads(line)["exception"]


def test_gunicorns_logging_dict_uses_the_same_formatters_and_quiets_rq(monkeypatch):
    for log_format, formatter in (("json", JsonFormatter), ("text", TextFormatter)):
        config = logging_dict("WARNING", log_format)
        assert config["formatters"]["line"]["()"].endswith(formatter.__qualname__)
        assert config["root"]["level"] == logging.WARNING
        assert config["loggers"]["gunicorn.error"]["propagate"] is True
        assert config["loggers"]["rq.worker"]["level"] == logging.WARNING
    assert logging_dict("INFO", "text")["loggers"]["rq.worker"]["level"] == logging.WARNING
    assert logging_dict("DEBUG", "text")["loggers"]["rq.worker"]["level"] == logging.DEBUG


def test_the_timestamp_is_utc_with_milliseconds():
    assert utc_timestamp(1_796_593_503.1239) == "2026-12-06T21:45:03.123Z"
