"""Handing mails to SMTP over one connection kept open per worker process."""

from __future__ import annotations

import contextlib
import smtplib
import socket

from flask import current_app
from flask_mail import Message

from web.extensions import mail

_KEY = "smtp_connection"


class MailDeliveryError(Exception):
    """SMTP did not take the mail; the message names the failure, never its content.

    `permanent`: the mail can never go as written, so it is not retried (a transient
    failure is retried on RQ's schedule, web/core/outbox.py).
    """

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


def _close() -> None:
    connection = current_app.extensions.pop(_KEY, None)
    if connection is not None:
        with contextlib.suppress(Exception):
            connection.__exit__(None, None, None)


@contextlib.contextmanager
def _socket_timeout(seconds: float):
    """Flask-Mail opens smtplib.SMTP without a timeout, and smtplib then uses the process
    default: set it for the connect only (the socket keeps it for the whole conversation).
    The worker runs one job at a time, so no other thread sees the changed default."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def _connect():
    connection = mail.connect()
    with _socket_timeout(current_app.config["MAIL_TIMEOUT_SECONDS"]):
        connection.__enter__()
    return connection


def deliver(message: Message) -> None:
    """Hand one mail to SMTP, reusing the open connection; reconnect once if it dropped."""
    for attempt in (1, 2):
        connection = current_app.extensions.get(_KEY)
        try:
            if connection is None:
                connection = _connect()
                current_app.extensions[_KEY] = connection
            connection.send(message)
            return
        except smtplib.SMTPServerDisconnected as error:
            _close()
            if "timed out" in str(error):  # smtplib's word for a read that timed out
                raise MailDeliveryError("SMTP server did not answer in time") from None
            if attempt == 2:
                raise MailDeliveryError("SMTP server disconnected") from None
        except (UnicodeError, ValueError) as error:
            # Flask-Mail and smtplib write the envelope and the headers in ASCII: a local
            # part outside it (stored before the forms refused it) needs SMTPUTF8, which
            # Flask-Mail does not speak. Retrying cannot help; the reason names the error
            # only (its text quotes the address). The session may be mid-mail: start afresh.
            _close()
            raise MailDeliveryError(
                f"the mail cannot be encoded for SMTP ({type(error).__name__})", permanent=True
            ) from None
        except (smtplib.SMTPException, OSError) as error:
            # After a refusal the session state is unknown: start the next mail afresh.
            _close()
            code = getattr(error, "smtp_code", None)
            detail = f"{type(error).__name__}" + (f" {code}" if code else "")
            raise MailDeliveryError(f"SMTP refused the mail ({detail})") from None


def close_connection() -> None:
    """Close the kept connection (worker shutdown, tests)."""
    _close()
