"""One access line per request (id, method, path without query, status, duration), and the
same id on the worker's lines for the job that request enqueued; no personal data in clear."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator

import pytest

from tests.activation.helpers import EMAIL, activate, activated_number
from tests.support import PASSWORD, code_from, logging_restored
from web.core.logs import TextFormatter, configure_logging
from web.core.request_log import REQUEST_ID_HEADER
from web.domain.masking import mask_email

ACCESS_LINE = re.compile(
    r"(?P<id>[A-Za-z0-9-]{8,64}) (?P<method>[A-Z]+) (?P<path>\S+) (?P<status>\d{3}) "
    r"(?P<ms>\d+\.\d)ms"
)

JOB_LINE = re.compile(r"\[\S+ req \S+\] (?P<message>.*)$")


def parsed(record: logging.LogRecord) -> dict:
    match = ACCESS_LINE.fullmatch(record.getMessage())
    assert match, record.getMessage()
    return match.groupdict()


def test_each_request_logs_one_line_with_its_id_and_no_query_string(client, access_log):
    response = client.get("/conditions-generales?jeton=secret-token-value&x=1")

    (record,) = access_log()
    line = parsed(record)
    assert line == {
        "id": response.headers[REQUEST_ID_HEADER],
        "method": "GET",
        "path": "/conditions-generales",
        "status": "200",
        "ms": line["ms"],
    }
    assert record.levelno == logging.INFO
    assert "jeton" not in record.getMessage() and "secret-token-value" not in record.getMessage()


def test_every_request_gets_a_new_id(client, access_log):
    first = client.get("/").headers[REQUEST_ID_HEADER]
    second = client.get("/nulle-part").headers[REQUEST_ID_HEADER]

    assert first != second
    assert [parsed(record)["id"] for record in access_log()] == [first, second]
    assert parsed(access_log()[1])["status"] == "404"


def test_probes_and_scrapes_are_logged_at_debug_only(client, access_log):
    for path in ("/healthz", "/readyz", "/metrics"):
        client.get(path)

    records = access_log()
    assert [parsed(record)["path"] for record in records] == ["/healthz", "/readyz", "/metrics"]
    assert {record.levelno for record in records} == {logging.DEBUG}


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("proxy-1234-abcd", True),
        ("a" * 64, True),
        ("short", False),
        ("a" * 65, False),
        ("bad id with spaces", False),
        ("semi;colon-12345", False),
    ],
)
def test_an_incoming_request_id_is_kept_only_if_it_looks_like_one(
    client, access_log, incoming, kept
):
    response = client.get("/", headers={REQUEST_ID_HEADER: incoming})

    returned = response.headers[REQUEST_ID_HEADER]
    assert (returned == incoming) is kept
    assert re.fullmatch(r"[A-Za-z0-9-]{8,64}", returned)
    assert parsed(access_log()[-1])["id"] == returned


def test_a_decoded_line_break_in_the_path_cannot_forge_a_log_line(client, access_log):
    client.get("/nulle-part%0Afake-line")

    message = access_log()[-1].getMessage()
    assert "\n" not in message
    assert " /nulle-part\\nfake-line 404 " in message


@pytest.fixture
def worker_console(caplog: pytest.LogCaptureFixture) -> Iterator[io.StringIO]:
    """The worker's console as worker.py's main() prints it (web/core/logs.py's text
    format), for the records of this test (RQ's included: they reach the root logger)."""
    console = io.StringIO()
    handler = logging.StreamHandler(console)
    handler.setFormatter(TextFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    caplog.set_level(logging.INFO, logger="espace_pro.worker")
    yield console
    root.removeHandler(handler)


def test_the_request_id_follows_the_job_into_the_worker_log(
    client, wizard, run_worker, outbox, access_log, worker_console
):
    wizard.complete(email=EMAIL)
    run_worker()
    code = code_from(outbox[0])
    assert activated_number(activate(client, EMAIL, code))

    confirm = [
        parsed(record)
        for record in access_log()
        if parsed(record)["path"] == "/inscription/confirmation"
        and parsed(record)["method"] == "POST"
    ]
    (request_id,) = [line["id"] for line in confirm]
    lines = worker_console.getvalue().splitlines()
    masked = mask_email(EMAIL)
    handed = [line for line in lines if f"handed to SMTP for {masked}" in line]
    outcome = [line for line in lines if "send_activation_code: sent in" in line]
    assert len(handed) == 1 and len(outcome) == 1, lines
    for line in handed + outcome:
        assert re.search(rf"\[outbox-\d+ req {request_id}\] ", line), line

    everything = "\n".join([worker_console.getvalue(), *(r.getMessage() for r in access_log())])
    for secret in (EMAIL, PASSWORD, code, code.replace("-", "")):
        assert secret not in everything


@pytest.mark.app_config(MAIL_PORT=1)  # nothing listens there
def test_an_smtp_failure_is_one_line_and_one_outcome_without_a_traceback(
    wizard, run_worker, worker_console
):
    wizard.complete(email=EMAIL)
    run_worker()

    lines = worker_console.getvalue().splitlines()
    masked = mask_email(EMAIL)
    assert [job_message(line) for line in lines if JOB_LINE.search(line)] == [
        f"activation_code to {masked} failed (SMTP refused the mail (ConnectionRefusedError)); "
        "retry 1/5 in 30s",
        line_outcome(lines),
    ]
    assert line_outcome(lines).startswith("send_activation_code: failed (retry scheduled) in ")
    assert "Traceback" not in worker_console.getvalue()
    assert EMAIL not in worker_console.getvalue()


def line_outcome(lines: list[str]) -> str:
    (outcome,) = [job_message(line) for line in lines if "send_activation_code:" in line]
    return outcome


def job_message(line: str) -> str:
    """The message of a line written during a job (after its `[job req id] `)."""
    return JOB_LINE.search(line).group("message")


def test_rqs_loggers_are_quieted_by_level_not_by_their_wording():
    with logging_restored():
        configure_logging("INFO", "text", io.StringIO())
        assert not logging.getLogger("rq.worker").isEnabledFor(logging.INFO)
        assert logging.getLogger("rq.worker").isEnabledFor(logging.WARNING)
        assert logging.getLogger("rq.cron").getEffectiveLevel() == logging.WARNING
        assert logging.getLogger("espace_pro.worker").isEnabledFor(logging.INFO)

        configure_logging("DEBUG", "text", io.StringIO())
        assert logging.getLogger("rq.worker").isEnabledFor(logging.DEBUG)

        configure_logging("ERROR", "text", io.StringIO())
        assert not logging.getLogger("rq.worker").isEnabledFor(logging.WARNING)
