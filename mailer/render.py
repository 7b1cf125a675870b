"""Rendering mails from `.txt` + `.html` template pairs, with the app's filters, in the
recipient's language."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_mail import Message
from jinja2 import Environment, FileSystemLoader

from web.core.i18n import LANGUAGES
from web.core.urls import public_url_for

TEMPLATES = Path(__file__).parent / "templates"


def _environment() -> Environment:
    """The app's Jinja environment (filters, gettext), loading mail templates."""
    extensions = current_app.extensions
    if "mail_jinja" not in extensions:
        extensions["mail_jinja"] = current_app.jinja_env.overlay(loader=FileSystemLoader(TEMPLATES))
    return extensions["mail_jinja"]


def account_links() -> dict[str, str]:
    """The ways into a space that every notice ends with, as absolute links."""
    return {
        "login": public_url_for("account.login"),
        "forgot_password": public_url_for("recovery.forgot_password"),
        "forgot_number": public_url_for("recovery.forgot_number"),
    }


# Controls (CR, LF, NUL…) and the Unicode line and paragraph separators.
_HEADER_BREAKERS = frozenset({"Cc", "Zl", "Zp"})


def _refuse_control_characters(**headers: str) -> None:
    """A line break in a header value would start a header of its own (e.g. "Bcc:")."""
    for name, value in headers.items():
        if any(unicodedata.category(char) in _HEADER_BREAKERS for char in value):
            raise ValueError(f"The mail's {name} contains a control character: not sent.")


def render_mail(
    name: str, subject: str, recipient: str, language: str | None = None, **context
) -> Message:
    """A multipart (text + HTML) mail from templates `name.txt` and `name.html`, in
    `language` (the recipient's; French when unknown). `subject` may be a lazy string."""
    language = language if language in LANGUAGES else current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(language):
        subject = str(subject)
        # Flask-Mail checks again when sending; refusing here keeps the check ours.
        _refuse_control_characters(subject=subject, recipient=recipient)
        env = _environment()
        context = {
            "subject": subject,
            "language": language,
            "links": account_links(),
            "contact_email": current_app.config.get("CONTACT_EMAIL"),
            **context,
        }
        message = Message(
            subject=subject,
            recipients=[recipient],
            body=env.get_template(f"{name}.txt").render(**context),
            html=env.get_template(f"{name}.html").render(**context),
            extra_headers={"Auto-Submitted": "auto-generated"},
        )
    return message
