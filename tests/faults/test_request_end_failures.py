"""Failures after the view, outside Flask's error handlers: the end-of-request rollback on a
dropped database connection, or anything raising past Flask. The person gets our answer
(the page itself, or the French 503 page with the security headers), never the server's
bare English 500."""

from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from tests.faults.checks import assert_unavailable
from tests.support import log_in

CSP_START = "default-src 'self'"


def rollback_fails_once(monkeypatch) -> dict:
    """The next session close fails as on a connection PostgreSQL terminated."""
    real_close = Session.close
    failed = {"count": 0}

    def close(self):
        real_close(self)  # the connection goes back: only the error is injected
        if not failed["count"]:
            failed["count"] += 1
            raise OperationalError("ROLLBACK", {}, Exception("server closed the connection"))

    monkeypatch.setattr(Session, "close", close)
    return failed


def test_a_failed_end_of_request_rollback_still_answers_the_page(
    client, subscriber, caplog, monkeypatch
):
    log_in(client)
    caplog.set_level(logging.WARNING, logger="espace_pro.web")
    failed = rollback_fails_once(monkeypatch)

    response = client.get("/espace/")  # reads the subscriber: a database session to close

    assert failed["count"] == 1
    assert response.status_code == 200
    assert "Mon espace abonné" in response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"].startswith(CSP_START)
    assert "database session discarded" in caplog.text
    assert client.get("/espace/").status_code == 200  # the next request is clean


def test_anything_raising_past_flask_answers_the_french_503_with_our_headers(app, client):
    @app.teardown_request
    def explode(_error):
        raise RuntimeError("a failure outside every error handler")

    response = client.get("/")

    assert_unavailable(response)
    assert response.headers["Content-Security-Policy"].startswith(CSP_START)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "RuntimeError" not in response.get_data(as_text=True)
