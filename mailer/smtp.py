"""Handing mails to SMTP over one connection kept open per worker process."""

from __future__ import annotations

import contextlib
import smtplib

from flask import current_app
from flask_mail import Message

from web.extensions import mail

_KEY = "smtp_connection"


class MailDeliveryError(Exception):
    """SMTP did not take the mail; the message names the failure, never its content."""


def _close() -> None:
    connection = current_app.extensions.pop(_KEY, None)
    if connection is not None:
        with contextlib.suppress(Exception):
            connection.__exit__(None, None, None)


def deliver(message: Message) -> None:
    """Hand one mail to SMTP, reusing the open connection; reconnect once if it dropped."""
    for attempt in (1, 2):
        connection = current_app.extensions.get(_KEY)
        try:
            if connection is None:
                connection = mail.connect()
                connection.__enter__()
                current_app.extensions[_KEY] = connection
            connection.send(message)
            return
        except smtplib.SMTPServerDisconnected:
            _close()
            if attempt == 2:
                raise MailDeliveryError("SMTP server disconnected") from None
        except (smtplib.SMTPException, OSError) as error:
            # After a refusal the session state is unknown: start the next mail afresh.
            _close()
            code = getattr(error, "smtp_code", None)
            detail = f"{type(error).__name__}" + (f" {code}" if code else "")
            raise MailDeliveryError(f"SMTP refused the mail ({detail})") from None


def close_connection() -> None:
    """Close the kept connection (worker shutdown, tests)."""
    _close()
