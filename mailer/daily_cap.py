"""Mail bombing: at most MAIL_MAX_PER_ADDRESS_PER_DAY mails to one address per day.

Checked by the worker at the point of sending, so every way of asking for a mail is
covered (sign-ups and their "already registered" notices, resends, recoveries) whoever
asks and from wherever. The count is per calendar day in Europe/Paris, keyed by a hash
of the normalised address. Security notices (password changed or reset) are not capped:
only the space's owner can cause them, and they must always reach them.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app

from web.core.secrets.fingerprint import address_fingerprint
from web.domain.clock import PARIS
from web.domain.masking import mask_email
from web.extensions import db, redis_store
from web.models import MailOutbox, utcnow

log = logging.getLogger("espace_pro.worker")
DAY_KEY = "mail:day:{}:{}"
DAY_KEY_SECONDS = 2 * 24 * 3600  # outlives its day, whatever the clocks say
CAPPED = "daily cap"


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
    return True


def release(address: str) -> None:
    """Give back a reserved mail that SMTP did not take (the retry reserves it again)."""
    redis_store.connection.decr(_key(address))


def refuse(rows: list[MailOutbox], address: str) -> str:
    """Close the owed rows unsent: nothing is mailed, nothing re-sends them."""
    now = utcnow()
    for row in rows:
        row.failed_at = now
        row.last_error = CAPPED
    db.session.commit()
    log.warning("daily mail cap reached for %s", mask_email(address))
    return CAPPED
