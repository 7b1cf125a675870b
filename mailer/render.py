"""Rendering mails from `.txt` + `.html` template pairs, with the app's filters, in the
recipient's language."""

from __future__ import annotations

import functools
import secrets
import unicodedata
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import formatdate
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, get_translations
from flask_mail import Message, sanitize_address
from jinja2 import Environment, FileSystemLoader

from web.core.i18n import LANGUAGES
from web.core.urls import public_url_for

TEMPLATES = Path(__file__).parent / "templates"


def _environment(language: str) -> Environment:
    """A Jinja environment like the app's (extensions, autoescape, filters, globals) that
    loads the mail templates, with `language`'s catalogue bound once: a template's `_()`
    then looks its text up directly, not through Flask-Babel's context lookups (≈ 17 a
    mail). Not an overlay of the app's: an overlay shares its globals and its i18n
    extension with it, and installing a catalogue there would change the app's pages.
    Call within force_locale(language)."""
    extensions = current_app.extensions
    key = f"mail_jinja:{language}"
    if key not in extensions:
        app_env = current_app.jinja_env
        env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=app_env.autoescape,  # noqa: S701 - the app's own: on for .html
            auto_reload=app_env.auto_reload,
            extensions=[type(extension) for extension in app_env.extensions.values()],
        )
        env.filters.update(app_env.filters)
        env.tests.update(app_env.tests)
        env.globals.update(app_env.globals)
        env.install_gettext_translations(get_translations(), newstyle=True)
        env.globals["_"] = env.globals["gettext"]  # the app's `_` looks the locale up
        extensions[key] = env
    return extensions[key]


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


class _WirePolicy(Compat32):
    """compat32, CRLF (smtplib sends bytes as they are), and a short ASCII header written
    as is: what the Header class would write for it, without building one (a dozen a mail:
    the parts' Content-Type, MIME-Version, Content-Transfer-Encoding…)."""

    def fold_binary(self, name: str, value) -> bytes:
        if (
            isinstance(value, str)
            and value.isascii()
            and len(name) + len(value) + 2 <= self.max_line_length
            and value.isprintable()
            and value == value.strip()
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


_WIRE = _WirePolicy(linesep="\r\n")


class _Folded:
    """A header value folded for the wire once: the compat32 policy writes what a
    Header-like object's `encode()` returns."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def encode(self, linesep: str = "\r\n", maxlinelen: int | None = None) -> str:
        return self.text


@functools.lru_cache(maxsize=256)
def _folded(name: str, value: str) -> _Folded:
    """A subject or sender as the wire has it (RFC 2047 words outside ASCII, lines of 78
    at most), once per process and value: a few per language."""
    charset = "us-ascii" if value.isascii() else "utf-8"
    header = Header(value, charset, header_name=name)
    return _Folded(header.encode(linesep=_WIRE.linesep, maxlinelen=_WIRE.max_line_length))


@functools.lru_cache(maxsize=16)
def _sender(sender: str) -> _Folded:
    return _folded("From", sanitize_address(sender))


def _boundary() -> str:
    """A MIME boundary chosen at random (128 bits) once the parts are written: no part can
    hold it, so the generator need not search them for one."""
    return "===_" + secrets.token_hex(16)


class WireMessage(Message):
    """Flask-Mail's message, written for the wire with less work (docs/PERFORMANCE.md).

    Same structure as Flask-Mail writes it (multipart/mixed > multipart/alternative >
    text/plain + text/html, utf-8 as Flask-Mail sets it) and the same headers, but with the email
    package's compat32 policy, whose headers are written as given (Flask-Mail's
    `policy.SMTP` parses each one again to fold it: half the cost of a mail), the
    boundaries chosen up front instead of searched for, and the subject and sender folded
    once per process. Anything else (attachments, no HTML part) goes Flask-Mail's way.
    """

    def as_bytes(self) -> bytes:
        if self.attachments or set(self.alts) != {"html"} or self.cc or self.reply_to:
            return super().as_bytes()
        charset = self.charset or "utf-8"
        alternative = MIMEMultipart(
            "alternative",
            boundary=_boundary(),
            _subparts=[MIMEText(self.body, "plain", charset), MIMEText(self.html, "html", charset)],
        )
        mime = MIMEMultipart(boundary=_boundary(), _subparts=[alternative])
        if self.subject:
            mime["Subject"] = _folded("Subject", str(self.subject))
        mime["From"] = _sender(self.sender)
        mime["To"] = ", ".join(sorted({sanitize_address(to) for to in self.recipients}))
        mime["Date"] = formatdate(self.date, localtime=True)
        mime["Message-ID"] = self.msgId
        for name, value in (self.extra_headers or {}).items():
            mime[name] = value
        return mime.as_bytes(policy=_WIRE)


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
        env = _environment(language)
        context = {
            "subject": subject,
            "language": language,
            "links": account_links(),
            "contact_email": current_app.config.get("CONTACT_EMAIL"),
            **context,
        }
        message = WireMessage(
            subject=subject,
            recipients=[recipient],
            body=env.get_template(f"{name}.txt").render(**context),
            html=env.get_template(f"{name}.html").render(**context),
            extra_headers={"Auto-Submitted": "auto-generated"},
        )
    return message
