"""Failed-login throttling per account and per IP, without a long lock-out by strangers.

Per account (the typed address, known or not): after 5 consecutive failures each
new try waits 1, 2, 4 … minutes, at most 15; at 100 consecutive failures the account
only opens again through « Mot de passe oublié » (NIST SP 800-63B's cap). Per IP: at
most 50 failures per 15 minutes.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from web.extensions import redis_store

ACCOUNT_KEY = "login:fail:account:{}"
IP_KEY = "login:fail:ip:{}"
FREE_FAILURES = 5
MAX_DELAY_SECONDS = 15 * 60
HARD_LIMIT = 100
IP_WINDOW_SECONDS = 15 * 60
IP_LIMIT = 50


@dataclass(frozen=True)
class Verdict:
    """Whether a login attempt may be checked now, and if not, for how long to wait."""

    allowed: bool
    wait_seconds: int = 0
    locked: bool = False


def _delay(failures: int) -> int:
    if failures < FREE_FAILURES:
        return 0
    return min(60 * 2 ** (failures - FREE_FAILURES), MAX_DELAY_SECONDS)


def may_try(email: str, ip: str | None) -> Verdict:
    """Check both counters before verifying a password."""
    connection = redis_store.connection
    account = connection.hgetall(ACCOUNT_KEY.format(email))
    failures = int(account.get(b"count", 0))
    if failures >= HARD_LIMIT:
        return Verdict(False, locked=True)
    wait = _delay(failures) - (time.time() - float(account.get(b"last", 0)))
    if wait > 0:
        return Verdict(False, wait_seconds=int(wait) + 1)
    if ip:
        recent = connection.zcount(IP_KEY.format(ip), time.time() - IP_WINDOW_SECONDS, "+inf")
        if recent >= IP_LIMIT:
            return Verdict(False, wait_seconds=IP_WINDOW_SECONDS)
    return Verdict(True)


def record_failure(email: str, ip: str | None) -> None:
    """Count a failed attempt against the address and the IP."""
    connection = redis_store.connection
    now = time.time()
    key = ACCOUNT_KEY.format(email)
    with connection.pipeline() as pipe:
        pipe.hincrby(key, "count", 1)
        pipe.hset(key, "last", now)
        pipe.expire(key, 24 * 3600)
        if ip:
            # A unique member: two failures at the same clock reading must count twice.
            pipe.zadd(IP_KEY.format(ip), {f"{now}:{secrets.token_hex(8)}": now})
            pipe.zremrangebyscore(IP_KEY.format(ip), 0, now - IP_WINDOW_SECONDS)
            pipe.expire(IP_KEY.format(ip), IP_WINDOW_SECONDS)
        failures = pipe.execute()[0]
    if failures >= HARD_LIMIT:
        # Locked until « Mot de passe oublié » clears it, not for 24 h only.
        connection.persist(key)


def clear_failures(email: str) -> None:
    """A successful login or a password reset clears the account's count."""
    redis_store.connection.delete(ACCOUNT_KEY.format(email))
