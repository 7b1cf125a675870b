"""« Renvoyer le code »: owe a new activation mail, within the resend limits.

Used by the waiting page, the activation pages and the operator's console.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask import current_app

from web.core.outbox import send_mail
from web.core.subscribers import PENDING_STATES
from web.extensions import redis_store
from web.models import MailKind, Registration

RESEND_RECENT_KEY = "resend:recent:{}"
RESEND_DAY_KEY = "resend:day:{}"


class ResendResult(enum.Enum):
    """What asking for a new code did."""

    SENT = "sent"
    TOO_SOON = "too_soon"
    TOO_MANY = "too_many"


@dataclass(frozen=True)
class Resend:
    """A resend outcome and, when refused for now, how long to wait."""

    result: ResendResult
    retry_after: int = 0


def request_new_code(registration: Registration) -> Resend:
    """Owe a new mail to a registration: a code if pending, a notice if already active.

    At most one per RESEND_MIN_SECONDS and RESEND_MAX_PER_DAY per registration.
    """
    allowance = take_resend(str(registration.id))
    if allowance.result is ResendResult.SENT:
        owe_new_code(registration)
    return allowance


def take_resend(subject: str) -> Resend:
    """Count one resend for `subject` (a registration id, or a waiting page's receipt)
    within RESEND_MIN_SECONDS and RESEND_MAX_PER_DAY; SENT when it may go."""
    config = current_app.config
    connection = redis_store.connection
    day_key = RESEND_DAY_KEY.format(subject)
    sent_today = int(connection.get(day_key) or 0)
    if sent_today >= config["RESEND_MAX_PER_DAY"]:
        return Resend(ResendResult.TOO_MANY, max(connection.ttl(day_key), 0))
    recent_key = RESEND_RECENT_KEY.format(subject)
    if not connection.set(recent_key, 1, nx=True, ex=config["RESEND_MIN_SECONDS"]):
        return Resend(ResendResult.TOO_SOON, max(connection.ttl(recent_key), 1))
    with connection.pipeline() as pipe:
        pipe.set(day_key, 0, nx=True, ex=24 * 3600)  # the day starts at the first resend
        pipe.incr(day_key)
        pipe.execute()
    return Resend(ResendResult.SENT)


def owe_new_code(registration: Registration) -> None:
    """The mail a new code request owes: a code if pending, a notice if already active."""
    kind = (
        MailKind.ACTIVATION_CODE
        if registration.state in PENDING_STATES
        else MailKind.ALREADY_REGISTERED
    )
    send_mail(registration, kind)
