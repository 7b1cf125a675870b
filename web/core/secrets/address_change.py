"""Changing the login address: the new address, pending in Redis for an hour, and the code
that proves its mailbox, kept only as a keyed hash (like activation codes).

The web process records the request (`start`); the worker writes the code when it mails
it (`issue_code`), which starts its hour; the space checks what the subscriber types
(`check`): right once, and burned at the fifth wrong attempt.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets

import redis
from flask import current_app

from web.core.secrets.codes import generate_code, normalise_code

PENDING_KEY = "account:address-change:{}"
CODE_TTL_SECONDS = 3600
MAX_WRONG_ATTEMPTS = 5


class AddressCheck(enum.Enum):
    """What checking a typed code found."""

    RIGHT = 1  # the code is used up: the caller moves the space to the returned address
    WRONG = 0
    MISSING = -1  # nothing pending: never asked, expired, burned or already used
    BURNED = -2  # this wrong attempt was the last one allowed


_CHECK = """
local stored = redis.call('HGET', KEYS[1], 'digest')
if not stored or redis.call('HGET', KEYS[1], 'email') ~= ARGV[2] then return -1 end
if stored == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
local wrong = redis.call('HINCRBY', KEYS[1], 'wrong', 1)
if wrong >= tonumber(ARGV[3]) then
  redis.call('DEL', KEYS[1])
  return -2
end
return 0
"""

_ISSUE = """
if redis.call('HGET', KEYS[1], 'email') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'digest', ARGV[2], 'wrong', 0)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""


def _digest(registration_id: int, address: str, code: str) -> str:
    """HMAC-SHA256 of the code, bound to the space and the address, keyed from SECRET_KEY."""
    key = hmac.new(
        current_app.config["SECRET_KEY"].encode(),
        b"espace-pro address change code key",
        hashlib.sha256,
    )
    message = f"{registration_id}:{address}:{normalise_code(code)}".encode()
    return hmac.new(key.digest(), message, hashlib.sha256).hexdigest()


def start(connection: redis.Redis, registration_id: int, address: str) -> None:
    """Make `address` the space's only pending new address (an earlier one is dropped).

    Until the worker mails its code, the digest is of a code nobody knows: a typed code is
    counted wrong exactly as after the mail, so nothing tells whether a code will come
    (the address may belong to another space, which gets no code).
    """
    key = PENDING_KEY.format(registration_id)
    with connection.pipeline() as pipe:
        pipe.delete(key)
        pipe.hset(key, mapping={"email": address, "digest": secrets.token_hex(32), "wrong": 0})
        pipe.expire(key, CODE_TTL_SECONDS)
        pipe.execute()


def pending_address(connection: redis.Redis, registration_id: int) -> str | None:
    """The new address waiting for its code, if any."""
    value = connection.hget(PENDING_KEY.format(registration_id), "email")
    return value.decode() if value is not None else None


def issue_code(connection: redis.Redis, registration_id: int, address: str) -> str | None:
    """A new code for the pending address, valid an hour from now; None when `address` is
    no longer the one pending (expired, replaced, cancelled or used)."""
    code = generate_code()
    issued = connection.eval(
        _ISSUE,
        1,
        PENDING_KEY.format(registration_id),
        address,
        _digest(registration_id, address, code),
        CODE_TTL_SECONDS,
    )
    return code if issued else None


def check(connection: redis.Redis, registration_id: int, typed: str) -> tuple[AddressCheck, str]:
    """Compare the typed code with the pending one: (outcome, the pending address)."""
    address = pending_address(connection, registration_id) or ""
    if not address:
        return AddressCheck.MISSING, ""
    result = connection.eval(
        _CHECK,
        1,
        PENDING_KEY.format(registration_id),
        _digest(registration_id, address, typed),
        address,
        MAX_WRONG_ATTEMPTS,
    )
    return AddressCheck(int(result)), address


def cancel(connection: redis.Redis, registration_id: int) -> None:
    """Drop the pending address and its code."""
    connection.delete(PENDING_KEY.format(registration_id))
