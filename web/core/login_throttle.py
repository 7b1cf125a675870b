"""Failed-login throttling per account, per trusted device and per IP, so that a stranger
can slow guessing down but cannot keep the owner out (OWASP's device cookies).

Unknown devices (no device cookie for the typed address, known or not) share the account's
count: after 5 consecutive failures each new try waits 1, 2, 4 … minutes, at most 15; at 100
consecutive failures the account is closed to unknown devices until « Mot de passe oublié »
or a mailed unlock link (NIST SP 800-63B's cap). A browser that logged in before
(web/core/trusted_devices.py) has its own count with the same waits, untouched by the
account's; at 100 failures of its own it is treated as unknown. Per IP: at most 50 failures
per 15 minutes, whatever the device.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from web.core.secrets.fingerprint import address_fingerprint
from web.extensions import redis_store

ACCOUNT_KEY = "login:fail:account:{}"
DEVICE_KEY = "login:fail:device:{}"
IP_KEY = "login:fail:ip:{}"
FREE_FAILURES = 5
MAX_DELAY_SECONDS = 15 * 60
HARD_LIMIT = 100
COUNT_SECONDS = 24 * 3600
IP_WINDOW_SECONDS = 15 * 60
IP_LIMIT = 50


@dataclass(frozen=True)
class Verdict:
    """Whether a login attempt may be checked now, and if not, for how long to wait."""

    allowed: bool
    wait_seconds: int = 0
    locked: bool = False


def account_key(email: str) -> str:
    """The account's failure counter, keyed by a keyed hash of the address: Redis never
    holds the address in clear."""
    return ACCOUNT_KEY.format(address_fingerprint(email))


def _delay(failures: int) -> int:
    if failures < FREE_FAILURES:
        return 0
    return min(60 * 2 ** (failures - FREE_FAILURES), MAX_DELAY_SECONDS)


def counter_verdict(key: str) -> Verdict:
    """The verdict of one failure counter (also the second step's, web/core/two_step.py)."""
    counter = redis_store.connection.hgetall(key)
    failures = int(counter.get(b"count", 0))
    if failures >= HARD_LIMIT:
        return Verdict(False, locked=True)
    wait = _delay(failures) - (time.time() - float(counter.get(b"last", 0)))
    if wait > 0:
        return Verdict(False, wait_seconds=int(wait) + 1)
    return Verdict(True)


def counting_device(device: str | None) -> str | None:
    """The device whose own count applies: a trusted one that has not used up its allowance."""
    if device is None:
        return None
    failures = int(redis_store.connection.hget(DEVICE_KEY.format(device), "count") or 0)
    return device if failures < HARD_LIMIT else None


def may_try(email: str, ip: str | None, device: str | None = None) -> Verdict:
    """Check the device's count (or the account's, for an unknown device) and the IP's
    before verifying a password; `device` comes from `counting_device`."""
    key = DEVICE_KEY.format(device) if device else account_key(email)
    verdict = counter_verdict(key)
    if not verdict.allowed:
        return verdict
    if ip:
        connection = redis_store.connection
        recent = connection.zcount(IP_KEY.format(ip), time.time() - IP_WINDOW_SECONDS, "+inf")
        if recent >= IP_LIMIT:
            return Verdict(False, wait_seconds=IP_WINDOW_SECONDS)
    return Verdict(True)


def record_failure(email: str, ip: str | None, device: str | None = None) -> None:
    """Count a failed attempt against the device (or the account) and the IP."""
    connection = redis_store.connection
    now = time.time()
    key = DEVICE_KEY.format(device) if device else account_key(email)
    with connection.pipeline() as pipe:
        pipe.hincrby(key, "count", 1)
        pipe.hset(key, "last", now)
        pipe.expire(key, COUNT_SECONDS)
        if ip:
            # A unique member: two failures at the same clock reading must count twice.
            pipe.zadd(IP_KEY.format(ip), {f"{now}:{secrets.token_hex(8)}": now})
            pipe.zremrangebyscore(IP_KEY.format(ip), 0, now - IP_WINDOW_SECONDS)
            pipe.expire(IP_KEY.format(ip), IP_WINDOW_SECONDS)
        failures = pipe.execute()[0]
    if failures >= HARD_LIMIT and not device:
        # Locked until « Mot de passe oublié » or an unlock link clears it, not for 24 h only.
        connection.persist(key)


def count_failure(key: str) -> int:
    """Count a failure on one counter with the same waits; at the hard limit it stays
    locked until cleared (not for 24 h only). The number of failures so far."""
    connection = redis_store.connection
    with connection.pipeline() as pipe:
        pipe.hincrby(key, "count", 1)
        pipe.hset(key, "last", time.time())
        pipe.expire(key, COUNT_SECONDS)
        failures = pipe.execute()[0]
    if failures >= HARD_LIMIT:
        connection.persist(key)
    return failures


def is_throttled(email: str) -> bool:
    """True when unknown devices must wait or are locked out of this account."""
    failures = redis_store.connection.hget(account_key(email), "count")
    return int(failures or 0) >= FREE_FAILURES


def clear_failures(email: str, device: str | None = None) -> None:
    """A successful login, a password reset or an unlock link clears the account's count
    (and the device's, when given)."""
    keys = [account_key(email)]
    if device:
        keys.append(DEVICE_KEY.format(device))
    redis_store.connection.delete(*keys)
