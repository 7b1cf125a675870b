"""The page's language: French by default, English on request (a remembered choice or the
browser's Accept-Language), and the translation of the domain's French messages.

The French strings are the msgids; web/translations/en holds the English catalogue,
compiled by the install step (make install, the Dockerfile).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, redirect, request
from flask_babel import format_decimal, get_locale
from werkzeug.wrappers import Response

from web.core.translations import gettext, lazy_gettext
from web.domain import Number, Phrase, address

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


def select_locale() -> str:
    """Flask-Babel's locale selector: the remembered choice, else the browser's best match."""
    if not has_request_context():
        return DEFAULT_LANGUAGE  # the worker: mails choose theirs with force_locale
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def current_language() -> str:
    """The language of the page (or of the mail being rendered): "fr" or "en"."""
    locale = get_locale()
    language = locale.language if locale is not None else DEFAULT_LANGUAGE
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def safe_next(target: str | None) -> str:
    """A local path to go back to; anything that could leave the site becomes "/"."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    # Browsers read "\" as "/" ("/\evil.example.com") and drop tabs and newlines.
    if "\\" in target or any(char.isspace() or ord(char) < 32 for char in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def remember_language(code: str, next_path: str | None) -> Response:
    """Go back to the page, with the chosen language kept for a year in the `lang` cookie."""
    response = redirect(safe_next(next_path))
    response.set_cookie(
        LANGUAGE_COOKIE,
        code,
        max_age=LANGUAGE_COOKIE_SECONDS,
        path="/",
        samesite="Lax",
        httponly=True,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return response


def vary_on_language(response: Response) -> Response:
    """Pages differ by language: caches must key them on the cookie and Accept-Language."""
    if request.endpoint != "static":
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


def _value(value: Any) -> Any:
    if isinstance(value, Phrase):
        return translate(value)
    if isinstance(value, Number):
        return format_decimal(value.value)
    return value


def translate(text: str) -> str:
    """A domain message (``web.domain.Phrase``, or plain French) in the page's language."""
    if isinstance(text, Phrase):
        if not text.values:
            return gettext(text.msgid)
        return gettext(text.msgid, **{name: _value(value) for name, value in text.values.items()})
    return gettext(text)


def translate_error(error: Exception) -> str:
    """The message of a RuleError (or MalformedFile) in the page's language."""
    return translate(error.args[0]) if error.args else str(error)


def lazy_label(label: Any) -> Any:
    """A choice label marked in a pure module, translated when the form is rendered."""
    return lazy_gettext(label) if isinstance(label, Phrase) else label


def country_choices() -> list[tuple[str, str]]:
    """The country list in the page's language, France first."""
    return address.country_choices(current_language())


def country_name(code: str) -> str:
    """A country's name in the page's language."""
    return address.country_name(code, current_language())


def remember_preference(code: str) -> None:
    """A logged-in subscriber's mails follow the switch too (stored on the registration)."""
    from flask_login import current_user

    from web.extensions import db

    if current_user.is_authenticated and current_user.preferred_locale != code:
        current_user.preferred_locale = code
        db.session.commit()
