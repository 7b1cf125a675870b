"""Activation codes: generated, normalised, and kept in Redis only as a keyed hash."""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets

import redis
from redis.client import Pipeline

# Crockford base32: no I, L, O or U, so nothing is mistaken when typed from an email.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12  # 12 x 5 bits = 60 bits
GROUP = 4
MAX_WRONG_ATTEMPTS = 5
CLAIM_MILLISECONDS = 30_000
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})

CODE_KEY = "activation:code:{}"
ATTEMPTS_KEY = "activation:attempts:{}"
CLAIM_KEY = "activation:claim:{}"
# Set when wrong tries burn a code, until the new code's mail says so.
BURNED_KEY = "activation:burned:{}"
# Wrong tries for an address that has no code to compare with (unknown, active, expired,
# burned): counted alike, so the fifth is answered as a real burn would be.
DECOY_KEY = "activation:decoy:{}"
DECOY_SECONDS = 48 * 3600


def generate_code() -> str:
    """A new random code, grouped for typing: XXXX-XXXX-XXXX."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, CODE_LENGTH, GROUP))


def normalise_code(typed: str) -> str:
    """What the person typed, without case, spaces or dashes; confusable letters mapped."""
    kept = "".join(ch for ch in typed.upper() if ch not in " -\t\u00a0")
    return kept.translate(_CONFUSABLE)


def code_digest(secret_key: str, registration_id: int, code: str) -> str:
    """The keyed hash stored in Redis: HMAC-SHA256 with a key derived from SECRET_KEY."""
    key = hmac.new(secret_key.encode(), b"espace-pro activation code key", hashlib.sha256)
    message = f"{registration_id}:{normalise_code(code)}".encode()
    return hmac.new(key.digest(), message, hashlib.sha256).hexdigest()


class CodeCheck(enum.Enum):
    """What checking a typed code against Redis found."""

    RIGHT = 1  # claimed: the caller must commit the activation, then settle or restore
    WRONG = 0
    MISSING = -1  # no code: never sent, expired, burned or already used
    BURNED = -2  # this wrong attempt was the last one allowed
    BUSY = -3  # the right code is being used by a concurrent request


_CHECK = """
local stored = redis.call('GET', KEYS[1])
if not stored then return -1 end
if stored == ARGV[1] then
  -- A lease on the code, which stays in place until settled: a claimant that never comes
  -- back (killed, or timed out while Redis was frozen and ran this later) costs the
  -- person nothing once the lease lapses.
  if not redis.call('SET', KEYS[3], '1', 'PX', ARGV[3], 'NX') then return -3 end
  return 1
end
local wrong = redis.call('INCR', KEYS[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
if wrong >= tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1], KEYS[2])
  return -2
end
return 0
"""


def _keys(registration_id: int) -> list[str]:
    return [key.format(registration_id) for key in (CODE_KEY, ATTEMPTS_KEY, CLAIM_KEY)]


def store_code(connection: redis.Redis, registration_id: int, digest: str, ttl: int) -> None:
    """Make this the registration's only valid code, with a fresh attempt count."""
    with connection.pipeline() as pipe:
        queue_code(pipe, registration_id, digest, ttl)
        pipe.execute()


def queue_code(pipe: Pipeline, registration_id: int, digest: str, ttl: int) -> None:
    """`store_code`'s writes, queued on the caller's MULTI pipeline (the worker sends the
    code, its link and the burn check in one round trip)."""
    code_key, attempts_key, claim_key = _keys(registration_id)
    pipe.set(code_key, digest, ex=ttl)
    pipe.delete(attempts_key, claim_key)


def set_code_expiry(connection: redis.Redis, registration_id: int, ttl: int) -> None:
    """Start the code's validity window now: called when the mail is handed to SMTP."""
    connection.expire(CODE_KEY.format(registration_id), ttl)


def check_code(connection: redis.Redis, registration_id: int, digest: str) -> CodeCheck:
    """Atomically compare, count a wrong attempt, burn at the fifth, or claim the code."""
    result = connection.eval(
        _CHECK, 3, *_keys(registration_id), digest, MAX_WRONG_ATTEMPTS, CLAIM_MILLISECONDS
    )
    return CodeCheck(int(result))


def settle_claim(connection: redis.Redis, registration_id: int) -> None:
    """The activation is committed: the claimed code is gone for good."""
    connection.delete(*_keys(registration_id))


def restore_claim(connection: redis.Redis, registration_id: int) -> None:
    """The activation failed to commit: release the lease, the code (and what is left of
    its lifetime) is usable again at once."""
    connection.delete(CLAIM_KEY.format(registration_id))


def forget_code(connection: redis.Redis, registration_id: int) -> None:
    """Remove every trace of the registration's code (expiry, purge)."""
    connection.delete(*_keys(registration_id))


def mark_burned(connection: redis.Redis, registration_id: int, ttl: int) -> None:
    """Remember that wrong tries burned the registration's code (its next mail says so)."""
    connection.set(BURNED_KEY.format(registration_id), 1, ex=ttl)


def was_burned(connection: redis.Redis, registration_id: int) -> bool:
    """True when the code the next mail replaces was burned by wrong tries."""
    return bool(connection.exists(BURNED_KEY.format(registration_id)))


def queue_was_burned(pipe: Pipeline, registration_id: int) -> None:
    """`was_burned` queued on the caller's pipeline: its result is the pipeline's (non-zero
    when burned)."""
    pipe.exists(BURNED_KEY.format(registration_id))


def forget_burned(connection: redis.Redis, registration_id: int) -> None:
    """The new code's mail went out: it told the owner."""
    connection.delete(BURNED_KEY.format(registration_id))


def count_decoy(connection: redis.Redis, address_key: str) -> bool:
    """Count a wrong try for an address with no code to check; True at the fifth (the
    count starts again), as a burn would be answered."""
    key = DECOY_KEY.format(address_key)
    with connection.pipeline() as pipe:
        pipe.incr(key)
        pipe.expire(key, DECOY_SECONDS)
        wrong = pipe.execute()[0]
    if wrong >= MAX_WRONG_ATTEMPTS:
        connection.delete(key)
        return True
    return False
