"""The log lines of every process (web, worker, cron): one format, one clock, one switch.

``LOG_LEVEL`` (default INFO) and ``LOG_FORMAT`` (``text``, or ``json``: one object per
line) apply to the web app (gunicorn and ``make run``), the worker and its cron child alike.
Every line is stamped in ISO 8601 UTC with milliseconds (2026-12-06T21:45:03.123Z) and
carries the request id, or during a job the job id and the id of the request that enqueued
it. RQ's own loggers are held at WARNING (its per-job lines repeat the worker's outcome
line), except at DEBUG; they are quieted by logger and level, never by their wording.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

from flask import g, has_request_context

RQ_LOGGERS = (
    "rq.worker",
    "rq.job",
    "rq.queue",
    "rq.registry",
    "rq.scheduler",
    "rq.cron",
    "rq.executions",
    "rq.utils",
)
# Loggers held at WARNING like RQ's: the dev mail sink's (aiosmtpd) per-connection lines.
QUIET_LOGGERS = (*RQ_LOGGERS, "mail.log")
ACCESS_LOGGER = "espace_pro.access"
TEXT_FORMAT = "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(context)s%(message)s"
# The job being run by this worker and the request that enqueued it ("-" when unknown).
CURRENT_JOB: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "current_job", default=None
)


def utc_timestamp(created: float) -> str:
    """A record's time as ISO 8601 UTC with milliseconds: 2026-12-06T21:45:03.123Z."""
    moment = datetime.fromtimestamp(created, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def context_of(record: logging.LogRecord) -> dict[str, str]:
    """The ids a line carries: the job's and its request's, or the request's being served."""
    job = CURRENT_JOB.get()
    if job is not None:
        job_id, request_id = job
        return {"job_id": job_id, "request_id": request_id}
    if has_request_context() and g.get("request_id"):
        return {"request_id": g.request_id}
    return {}


class TextFormatter(logging.Formatter):
    """`time [pid] LEVEL logger: [job req id] message` (the ids only when there are some)."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return utc_timestamp(record.created)

    def format(self, record: logging.LogRecord) -> str:
        ids = context_of(record)
        if "job_id" in ids:
            record.context = f"[{ids['job_id']} req {ids['request_id']}] "
        elif ids and record.name != ACCESS_LOGGER:  # an access line starts with its id
            record.context = f"[req {ids['request_id']}] "
        else:
            record.context = ""
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, ids, exception if any."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": utc_timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "process": record.process,
            "message": record.getMessage(),
            **context_of(record),
        }
        if document.get("request_id") == "-":  # a job no request enqueued (cron)
            del document["request_id"]
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False)


def formatter_for(log_format: str) -> logging.Formatter:
    """The formatter LOG_FORMAT names (`text` or `json`)."""
    return JsonFormatter() if log_format == "json" else TextFormatter()


def rq_level(level: int) -> int:
    """RQ's loggers: WARNING and above, unless the operator asked for DEBUG."""
    return level if level <= logging.DEBUG else max(level, logging.WARNING)


def level_number(level: str | int) -> int:
    """`INFO` or 20 as the logging module's number."""
    return level if isinstance(level, int) else logging.getLevelNamesMapping()[level.upper()]


def configure_logging(level: str | int, log_format: str, stream: IO[str] | None = None) -> None:
    """Send every logger's lines, in the chosen format, to one stream (stdout by default)."""
    number = level_number(level)
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(formatter_for(log_format))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(number)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(rq_level(number))


def logging_dict(level: str | int, log_format: str) -> dict:
    """The same configuration as a logging.config dict (gunicorn's `logconfig_dict`)."""
    number = level_number(level)
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": number, "handlers": ["stdout"]},
        "loggers": {
            # gunicorn's own lines (start, workers booted, timeouts) reach the root handler.
            "gunicorn.error": {"level": number, "handlers": [], "propagate": True},
            "gunicorn.access": {"level": logging.WARNING, "handlers": [], "propagate": True},
            **{name: {"level": rq_level(number)} for name in QUIET_LOGGERS},
        },
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "line",
                "stream": "ext://sys.stdout",
            }
        },
        "formatters": {"line": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
    }
