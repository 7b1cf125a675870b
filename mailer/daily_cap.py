"""Mail bombing: at most MAIL_MAX_PER_ADDRESS_PER_DAY mails to one address per day.

Checked by the worker at the point of sending, so every way of asking for a mail is
covered (sign-ups and their "already registered" notices, resends, recoveries) whoever
asks and from wherever. The count is per calendar day in Europe/Paris, keyed by a hash
of the normalised address. Security notices (password changed or reset) are not capped:
only the space's owner can cause them, and they must always reach them.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import datetime

from flask import current_app
from redis.exceptions import RedisError

from web.core.secrets.fingerprint import address_fingerprint
from web.domain.clock import PARIS
from web.domain.masking import mask_email
from web.extensions import db, redis_store
from web.models import MailOutbox, utcnow

log = logging.getLogger("espace_pro.worker")
DAY_KEY = "mail:day:{}:{}"
DAY_KEY_SECONDS = 2 * 24 * 3600  # outlives its day, whatever the clocks say
CAPPED = "daily cap"
# The mails the running job reserved and SMTP has not taken yet: (address, its day's key).
_UNSPENT: ContextVar[list[tuple[str, str]] | None] = ContextVar("daily_cap_unspent", default=None)


def _key(address: str) -> str:
    return DAY_KEY.format(datetime.now(PARIS).date().isoformat(), address_fingerprint(address))


def reserve(address: str) -> bool:
    """Count one more mail to the address today; False when that would pass the cap."""
    key = _key(address)
    with redis_store.connection.pipeline() as pipe:
        pipe.incr(key)
        pipe.expire(key, DAY_KEY_SECONDS)
        count = pipe.execute()[0]
    if count > current_app.config["MAIL_MAX_PER_ADDRESS_PER_DAY"]:
        redis_store.connection.decr(key)  # a refused mail takes no room
        return False
    unspent = _UNSPENT.get()
    if unspent is not None:
        unspent.append((address, key))
    return True


def spent(address: str) -> None:
    """SMTP took the reserved mail: its room in the day is used for good."""
    unspent = _UNSPENT.get()
    if unspent is not None:
        unspent[:] = [held for held in unspent if held[0] != address]


@contextlib.contextmanager
def given_back_unless_spent() -> Iterator[None]:
    """Around a mail job: what it reserved and did not hand to SMTP is given back at its
    end, whatever stopped it (a refusal, a template error, a crash of the job's code); a
    retry reserves it again."""
    token = _UNSPENT.set([])
    try:
        yield
    finally:
        for _address, key in _UNSPENT.get() or ():
            with contextlib.suppress(RedisError):  # Redis down: the count expires with its day
                redis_store.connection.decr(key)
        _UNSPENT.reset(token)


def refuse(rows: list[MailOutbox], address: str) -> str:
    """Close the owed rows unsent: nothing is mailed, nothing re-sends them."""
    now = utcnow()
    for row in rows:
        row.failed_at = now
        row.last_error = CAPPED
    db.session.commit()
    log.warning("daily mail cap reached for %s", mask_email(address))
    return CAPPED
