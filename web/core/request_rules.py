"""What a request must look like before a view reads it: sent from our own pages, form
bodies, declared uploads, ids and page numbers the database can hold.

Flask-WTF also reads JSON bodies as form data, and puts an uploaded file in whatever field
bears its name: a number, a list or a file would then reach validators written for text.
These pages are HTML forms, so anything else is refused up front with a French error page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from werkzeug.routing import IntegerConverter, Map

from web.core.errors import render_error
from web.core.translations import lazy_gettext as _l

# Ids are INTEGER columns: PostgreSQL's is 32-bit signed (SQLite's 64-bit), so a larger
# number in a URL could only fail in the database, as a server error.
MAX_DATABASE_ID = 2**31 - 1
# Far past any real list (500 dossiers, 20 a page), while (page - 1) x size stays small.
MAX_PAGE = 100_000
FORM_MIMETYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
UPLOAD_FIELDS_ATTRIBUTE = "upload_fields"
JSON_ATTRIBUTE = "accepts_json"

View = TypeVar("View", bound=Callable)


class DatabaseIdConverter(IntegerConverter):
    """``<int:…>`` in URLs, bounded to what an id column holds (out of range: 404)."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,  # noqa: A002
        max: int | None = MAX_DATABASE_ID,
        signed: bool = False,
    ) -> None:  # noqa: A002
        super().__init__(map, fixed_digits, min, max, signed)


def page_number(value: str) -> int:
    """A ``?page=`` value as a page number between 1 and MAX_PAGE (ValueError if not a number).

    Meant as ``request.args.get("page", 1, type=page_number)``.
    """
    return min(max(int(value), 1), MAX_PAGE)


def accepts_uploads(*fields: str) -> Callable[[View], View]:
    """Mark a view whose form has file fields: only these names may carry a file."""

    def mark(view: View) -> View:
        setattr(view, UPLOAD_FIELDS_ATTRIBUTE, frozenset(fields))
        return view

    return mark


def accepts_json(view: View) -> View:
    """Mark a view that reads a JSON body itself (a page's script, e.g. the WebAuthn
    ceremonies): application/json is let through to it, and to it only."""
    setattr(view, JSON_ATTRIBUTE, True)
    return view


FOREIGN_ORIGIN = _l(
    "Cet envoi ne vient pas d'une page de ce site : il a été refusé. Revenez sur le site et "
    "envoyez le formulaire depuis sa page."
)


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def refuse_foreign_origin():
    """Before a view: a POST must come from this site's pages, whatever its CSRF token.

    Browsers send `Origin` with every POST: it must be ours. Without it (an older browser,
    a privacy setting), over HTTPS the `Referer` must be ours; clients that send neither
    over plain HTTP (tests, scripts on the machine) still need the form's CSRF token.
    """
    if request.method not in BODY_METHODS or request.url_rule is None:
        return None
    ours = f"{request.scheme}://{request.host}".lower()
    origin = request.headers.get("Origin")
    if origin is not None:
        if origin.lower() == ours:
            return None
    elif not request.is_secure or (request.referrer and _origin_of(request.referrer) == ours):
        return None
    return render_error(403, str(FOREIGN_ORIGIN))


def refuse_unexpected_bodies() -> None:
    """Before a view: a body must be an HTML form's (or JSON for a view marked
    `accepts_json`), and its files where the form has some."""
    if request.method not in BODY_METHODS or request.url_rule is None:
        return  # nothing to read, or a routing error (404, 405) that answers by itself
    has_body = bool(request.content_length) or bool(request.mimetype)
    if has_body and request.mimetype not in FORM_MIMETYPES and not _json_for_its_view():
        abort(415)
    if request.mimetype == "multipart/form-data" and request.files:
        view = current_app.view_functions.get(request.endpoint or "")
        allowed = getattr(view, UPLOAD_FIELDS_ATTRIBUTE, frozenset())
        if any(name not in allowed for name in request.files):
            abort(400)


def _json_for_its_view() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return request.mimetype == "application/json" and getattr(view, JSON_ATTRIBUTE, False)


def register(app: Flask) -> None:
    """Install the bounded id converter (before any route is added) and the body check."""
    app.url_map.converters["int"] = DatabaseIdConverter
    app.before_request(refuse_foreign_origin)
    app.before_request(refuse_unexpected_bodies)
