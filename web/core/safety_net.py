"""The last line of defence: a request that fails outside the error handlers still answers
the French 503 page with the security headers, never the server's bare English 500.

Two places fail there. The end-of-request rollback, when the database dropped the
connection (a PostgreSQL restart, `pg_terminate_backend`): the view's work is over, so the
session is discarded and its own answer goes out. And anything else that raises past
Flask (a teardown, a WSGI middleware): the outermost wrapper answers the 503 page itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from flask import Flask

from web.extensions import db

log = logging.getLogger("espace_pro.web")
FALLBACK_PAGE = (
    '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Service '
    "momentanément indisponible</title></head><body><h1>Service momentanément "
    "indisponible</h1><p>Réessayez dans quelques instants.</p><p>Code d'erreur : 503</p>"
    "</body></html>"
)


def register(app: Flask) -> None:
    """Close the database session safely, and wrap the whole app in the safety net."""

    @app.teardown_appcontext
    def remove_database_session(_error: BaseException | None) -> None:
        # Registered after Flask-SQLAlchemy's, so it runs first; theirs then finds nothing.
        try:
            db.session.remove()
        except Exception:  # noqa: BLE001 - a lost connection at the very end: nothing to undo
            log.warning("database session discarded: its connection failed at the end")
            try:
                # Close its connections for good rather than return them to the pool: one
                # still open would keep its transaction, and its locks, until it timed out.
                db.session.invalidate()
            except Exception:  # noqa: BLE001 - already as dead as it can be
                log.warning("database session's connection could not be invalidated")
            db.session.registry.clear()

    app.wsgi_app = SafetyNet(app, app.wsgi_app)


class SafetyNet:
    """WSGI wrapper: an exception past Flask becomes the French 503 page with our headers."""

    def __init__(self, app: Flask, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app
        self.page = unavailable_page(app)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        # The app's start_response is held until the app returns: if it raises after
        # starting its answer (a teardown), ours replaces it before anything is sent.
        started: list[tuple] = []

        def hold(status: str, headers: list, exc_info=None) -> Callable:
            started[:] = [(status, headers, exc_info)]
            return _no_write

        try:
            body = self.wsgi_app(environ, hold)
        except Exception:  # noqa: BLE001 - whatever it was, the person gets our page
            log.exception("request failed outside the error handlers")
            status, headers, page = self.page
            start_response(status, headers)
            return [page]
        start_response(*started[0])
        return body


def _no_write(_data: bytes) -> None:
    raise RuntimeError("the app wrote through WSGI's write(): not supported here")


def unavailable_page(app: Flask) -> tuple[str, list[tuple[str, str]], bytes]:
    """The 503 page as the safety net sends it, rendered once when the app is built: at
    failure time, rendering would push a request context whose teardown may fail again."""
    from web.core.errors import render_error
    from web.core.security import add_security_headers

    with app.test_request_context():
        try:
            response = app.make_response(render_error(503))
        except Exception:  # noqa: BLE001 - a page that cannot render: a static one
            log.exception("the 503 page failed to render")
            response = app.response_class(FALLBACK_PAGE, 503, mimetype="text/html")
        add_security_headers(response)
        response.headers["Cache-Control"] = "no-store"
        return response.status, list(response.headers.items()), response.get_data()
