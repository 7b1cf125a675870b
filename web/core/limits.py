"""Request rate limits: the configured limit of each form, the keys they count by, and
the French "try again" message.

Only POSTs are limited (the routes pass ``methods=["POST"]``); every limit string comes
from the configuration (``RATELIMIT_*`` in web/config.py), so the operator tunes them.
Keys never hold an address in clear: a typed address counts under a keyed hash of its
normalised form, so "A@Example.com " and "a@example.com" share one bucket.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask, current_app, request, session
from flask_babel import format_date
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import parse_many
from wtforms.validators import ValidationError

from web.core.forms import normalised_email
from web.core.secrets.fingerprint import address_fingerprint
from web.domain.clock import PARIS
from web.settings import LIMIT_SETTINGS


def configured(name: str) -> Callable[[], str]:
    """A limit provider reading the setting at request time (tests and operators change it)."""
    return lambda: current_app.config[name]


CONFIRM_IP = configured("RATELIMIT_CONFIRM_IP")
RESEND = configured("RATELIMIT_RESEND")
RESEND_IP = configured("RATELIMIT_RESEND_IP")
ACTIVATION = configured("RATELIMIT_ACTIVATION")
ACTIVATION_IP = configured("RATELIMIT_ACTIVATION_IP")
LOGIN_IP = configured("RATELIMIT_LOGIN_IP")
RECOVERY = configured("RATELIMIT_RECOVERY")
RECOVERY_IP = configured("RATELIMIT_RECOVERY_IP")
ADDRESS_CHANGE = configured("RATELIMIT_ADDRESS_CHANGE")


def check_limit_settings(app: Flask) -> None:
    """Refuse to start with a limit the limiter cannot read: it would skip it, silently."""
    for name in LIMIT_SETTINGS:
        try:
            parse_many(app.config[name])
        except ValueError as error:
            raise RuntimeError(
                f"{name}={app.config[name]!r} is not a rate limit such as '10 per hour' ({error})."
            ) from None


def by_ip() -> str:
    """The client's address (the proxy's forwarded one when the app trusts it)."""
    return f"ip:{get_remote_address()}"


def by_subscriber() -> str:
    """The logged-in subscriber (their space's id), else the IP."""
    if current_user.is_authenticated:
        return f"subscriber:{current_user.id}"
    return f"ip:{get_remote_address()}"


def by_typed_address() -> str:
    """The address typed in the form's `email` field, normalised as the form does.

    Something that is not an address reaches no account: it counts against the IP instead.
    """
    try:
        return f"address:{address_fingerprint(normalised_email(request.form.get('email', '')))}"
    except ValidationError:
        return f"not-an-address:{get_remote_address()}"


def by_typed_address_and_ip() -> str:
    """The typed address from this IP: a stranger elsewhere cannot use up the owner's tries."""
    return f"{by_typed_address()}:ip:{get_remote_address()}"


def by_recovery_flow() -> str:
    """The recovery flow this browser opened with its mailed link, else the IP."""
    flow_id = session.get("reset_flow")
    return f"flow:{flow_id}" if flow_id else f"no-flow:{get_remote_address()}"


def retry_message(reset_at: float) -> str:
    """When to try again: in N minutes within the hour, else a time (and day) in Paris."""
    minutes = max(1, round((reset_at - time.time()) / 60))
    if minutes <= 60:
        return _(
            "Vous avez fait trop de demandes. Réessayez dans %(minutes)d minute(s).",
            minutes=minutes,
        )
    # Rounded up to the minute, so "après 14:05" is never too early.
    moment = datetime.fromtimestamp(math.ceil(reset_at / 60) * 60, PARIS)
    today = datetime.fromtimestamp(time.time(), PARIS).date()
    hour = moment.strftime("%H:%M")
    if moment.date() == today:
        return _(
            "Vous avez fait trop de demandes. Réessayez après %(time)s (heure de Paris).", time=hour
        )
    if moment.date() == today + timedelta(days=1):
        return _(
            "Vous avez fait trop de demandes. Réessayez demain après %(time)s (heure de Paris).",
            time=hour,
        )
    return _(
        "Vous avez fait trop de demandes. Réessayez le %(date)s après %(time)s (heure de Paris).",
        date=format_date(moment.date(), "d MMMM y"),
        time=hour,
    )


def retry_after() -> tuple[float, int]:
    """The breached limit's reset time, and the seconds until then (for Retry-After)."""
    from web.extensions import limiter

    breached = limiter.current_limit
    reset_at = float(breached.reset_at) if breached is not None else time.time() + 60
    return reset_at, max(math.ceil(reset_at - time.time()), 1)
