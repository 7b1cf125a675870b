"""One access-log line per request, with a request id the mail jobs carry into the worker.

An incoming ``X-Request-ID`` (a proxy's) is kept only if it looks like one, so a client
cannot write what it likes into the logs; otherwise the app makes its own. The path is
logged without its query string: links carry tokens there (``?jeton=``).
"""

from __future__ import annotations

import logging
import re
import secrets
import time

from flask import Flask, Response, g, has_request_context, request

from web.core import metrics

access_log = logging.getLogger("espace_pro.access")
REQUEST_ID_HEADER = "X-Request-ID"
ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
# Probes every few seconds: counted in the metrics, logged only at DEBUG.
QUIET_ENDPOINTS = frozenset({"main.healthz", "ops.readyz", "ops.metrics"})
MAX_LOGGED_PATH = 200


def register(app: Flask) -> None:
    """Time every request, give it an id, log it once and count it (before any other hook)."""
    app.before_request(start_request)
    app.after_request(finish_request)


def start_request() -> None:
    """Note when the request started and which id it goes by."""
    g.request_started = time.perf_counter()
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    # 64 random bits: unique enough to follow a request, short enough to read.
    g.request_id = incoming if ACCEPTED_REQUEST_ID.fullmatch(incoming) else secrets.token_hex(8)


def current_request_id() -> str | None:
    """The id of the request being served, if any (None in the worker)."""
    return g.get("request_id") if has_request_context() else None


def finish_request(response: Response) -> Response:
    """Return the id to the client, observe the latency, write the access line."""
    started = g.get("request_started")
    seconds = time.perf_counter() - started if started is not None else 0.0
    request_id = g.get("request_id") or "-"
    response.headers[REQUEST_ID_HEADER] = request_id
    endpoint = request.endpoint or "none"
    metrics.observe_request(endpoint, request.method, response.status_code, seconds)
    level = logging.DEBUG if endpoint in QUIET_ENDPOINTS else logging.INFO
    if access_log.isEnabledFor(level):
        access_log.log(
            level,
            "%s %s %s %d %.1fms",
            request_id,
            request.method,
            printable_path(request.path),
            response.status_code,
            seconds * 1000,
        )
    return response


def printable_path(path: str) -> str:
    """The path on one line, bounded: a decoded %0A must not start a forged log line."""
    if not path.isprintable():
        path = path.encode("unicode_escape").decode("ascii")
    return path if len(path) <= MAX_LOGGED_PATH else path[:MAX_LOGGED_PATH] + "…"
