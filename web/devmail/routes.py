"""Courriels envoyés: list and read the mails the local SMTP sink received."""

from __future__ import annotations

import mailbox
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy

from flask import Blueprint, abort, current_app, render_template

bp = Blueprint("devmail", __name__, url_prefix="/courriels")

# What the mail HTML may load when opened on its own: its inline styles and data: images.
HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
URL_PATTERN = re.compile(r"https?://[^\s<>\"')\]]+")
# Python's Maildir keys: "<seconds>.M<microseconds>P<pid>Q<counter>.<host>".
KEY_PATTERN = re.compile(r"(\d+)\.M(\d+)P\d+Q(\d+)\.")


@dataclass(frozen=True)
class StoredMail:
    """One mail of the test mailbox: its Maildir key, when it arrived, and its content."""

    key: str
    received_at: datetime
    message: EmailMessage

    @property
    def recipients(self) -> str:
        """Who the mail was sent to: the SMTP envelope when recorded, else the To header."""
        return str(self.message.get("X-Envelope-To") or self.message.get("To") or "")

    @property
    def subject(self) -> str:
        """The decoded subject."""
        return str(self.message.get("Subject") or "")

    @property
    def order(self) -> tuple:
        """Sort key, oldest first: mtimes tie within a clock tick, the key's own clock breaks it."""
        match = KEY_PATTERN.match(self.key)
        numbers = tuple(int(number) for number in match.groups()) if match else ()
        return (self.received_at, *numbers)

    def body(self, subtype: str) -> str | None:
        """The text/<subtype> part as text, or None when the mail has none."""
        part = self.message.get_body(preferencelist=(subtype,))
        if part is None or part.get_content_subtype() != subtype:
            return None
        try:
            return part.get_content()
        except LookupError:  # unknown charset: show what can be read
            return (part.get_payload(decode=True) or b"").decode("utf-8", "replace")

    def attachment_names(self) -> list[str]:
        """File names of the attached files."""
        return [
            part.get_filename() or part.get_content_type()
            for part in self.message.iter_attachments()
        ]


def open_mailbox() -> mailbox.Maildir | None:
    """The configured Maildir, or None while the sink has not created it."""
    try:
        return mailbox.Maildir(current_app.config["DEV_MAILBOX_DIR"], factory=None, create=False)
    except mailbox.NoSuchMailboxError:
        return None


def read_mail(box: mailbox.Maildir, key: str) -> StoredMail:
    """Read one mail; KeyError when the key is not in the mailbox."""
    delivered = box.get_message(key).get_date()  # the file's mtime: when the sink stored it
    message = BytesParser(policy=default_policy).parsebytes(box.get_bytes(key))
    return StoredMail(key, datetime.fromtimestamp(delivered, UTC), message)


def mail_or_404(key: str) -> StoredMail:
    """The mail with this key, or a 404 page."""
    box = open_mailbox()
    try:
        if box is None:
            raise KeyError(key)
        return read_mail(box, key)
    except (KeyError, FileNotFoundError):
        abort(404)


def link_segments(text: str) -> list[tuple[str, bool]]:
    """Split text into (segment, is_url) pairs so the template can make links clickable."""
    segments, position = [], 0
    for match in URL_PATTERN.finditer(text):
        segments.append((text[position : match.start()], False))
        segments.append((match.group(0), True))
        position = match.end()
    segments.append((text[position:], False))
    return [segment for segment in segments if segment[0]]


@bp.route("/")
def inbox():
    """Every mail the sink received, newest first."""
    box = open_mailbox()
    try:
        mails = [read_mail(box, key) for key in box.iterkeys()] if box is not None else []
    except FileNotFoundError:  # directory half-created or removed meanwhile
        mails = []
    mails.sort(key=lambda mail: mail.order, reverse=True)
    return render_template("devmail/list.html", mails=mails)


@bp.route("/<key>")
def message(key: str):
    """One mail: its headers, its text version, its HTML version in a sandbox."""
    mail = mail_or_404(key)
    text = mail.body("plain")
    return render_template(
        "devmail/message.html",
        mail=mail,
        text_segments=link_segments(text) if text is not None else None,
        html=mail.body("html"),
    )


@bp.route("/<key>/html")
def message_html(key: str):
    """The mail's HTML version alone, under a policy that forbids scripts and remote loads."""
    html = mail_or_404(key).body("html")
    if html is None:
        abort(404)
    headers = {
        "Content-Security-Policy": HTML_CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    return html, 200, headers
