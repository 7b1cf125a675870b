"""Template helpers: dates in Europe/Paris in the page's language, the language switch,
and who is logged in (the page header)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, request, session, url_for
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user

from web.core.display import format_company_id, format_phone
from web.core.durations import activation_validity
from web.core.errors import BACKEND_ERRORS
from web.core.i18n import current_language, translate
from web.extensions import db

# "29 novembre 2026 à 10:15" / "29 November 2026 at 10:15" (Babel names the month).
DATETIME_PATTERNS = {"fr": "d MMMM y 'à' HH:mm", "en": "d MMMM y 'at' HH:mm"}


def naive_utc(moment: datetime) -> datetime:
    """Babel treats naive datetimes as UTC: give it one."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def register(app: Flask) -> None:
    """Install the filters and globals on the app's Jinja environment."""

    @app.template_filter("paris_datetime")
    def paris_datetime(moment: datetime) -> str:
        # BABEL_DEFAULT_TIMEZONE is Europe/Paris; the pattern follows the page's language.
        pattern = DATETIME_PATTERNS.get(current_language(), DATETIME_PATTERNS["fr"])
        return format_datetime(naive_utc(moment), pattern)

    @app.template_filter("paris_date")
    def paris_date(moment: datetime) -> str:
        return format_date(naive_utc(moment), "d MMMM y")

    @app.template_filter("iso_datetime")
    def iso_datetime(moment: datetime) -> str:
        # For <time datetime="…">: the instant in UTC, whatever the page's language.
        return naive_utc(moment).replace(tzinfo=UTC).isoformat(timespec="seconds")

    # A global, not the context processor's: mails (mailer/render.py) render with it too.
    app.add_template_global(activation_validity)

    @app.template_filter("translate")
    def translate_filter(text: str) -> str:
        return translate(text)

    @app.template_filter("siren")
    def siren(company_id: str | None, foreign: bool = False) -> str:
        return format_company_id(company_id, foreign)

    @app.template_filter("phone")
    def phone(e164: str | None) -> str:
        return format_phone(e164)

    @app.template_filter("street_type")
    def street_type(value: str | None) -> str:
        from web.domain.address import STREET_TYPES

        return dict(STREET_TYPES).get(value or "", "") if value else ""

    @app.context_processor
    def globals_():
        return {
            "current_locale": lambda: str(get_locale() or "fr"),
            "login_url": login_url,
            "has_endpoint": lambda endpoint: endpoint in app.view_functions,
            "language_switch_url": language_switch_url,
            "current_path": here,
            "signed_in": signed_in,
        }

    def language_switch_url(code: str, back: bool = True) -> str:
        # Back to this very page (its query included) once the language is chosen; the
        # header's form sends `next` as a field instead (back=False).
        if not back:
            return url_for("main.switch_language", code=code)
        return url_for("main.switch_language", code=code, next=here())

    def here() -> str:
        return request.full_path.rstrip("?") if request else "/"

    def login_url() -> str:
        # The subscriber space's login page once it exists; the landing page until then.
        if "account.login" in app.view_functions:
            return url_for("account.login")
        return url_for("main.landing")


def signed_in():
    """The subscriber logged in on this browser, for the page header; None otherwise.

    Anonymous visitors cost nothing (no session id, no lookup). The header is on every page,
    error pages included: when Redis or the database cannot say, it shows "Se connecter".
    """
    if not session.get("_user_id"):
        return None
    try:
        user = current_user._get_current_object()
    except BACKEND_ERRORS:
        db.session.rollback()
        return None
    return user if user.is_authenticated else None
