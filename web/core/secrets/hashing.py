"""Argon2id hashing of passwords and trust-question answers, with the app's parameters."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


def make_hasher(
    memory_kib: int = 19456, time_cost: int = 2, parallelism: int = 1
) -> PasswordHasher:
    """Return an argon2id hasher; the defaults are OWASP's minimum recommendation."""
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
    )


def hasher() -> PasswordHasher:
    """The current app's argon2id hasher (OWASP parameters unless configured)."""
    extensions = current_app.extensions
    if "argon2" not in extensions:
        config = current_app.config
        extensions["argon2"] = make_hasher(
            memory_kib=config["ARGON2_MEMORY_KIB"],
            time_cost=config["ARGON2_TIME_COST"],
            parallelism=config["ARGON2_PARALLELISM"],
        )
    return extensions["argon2"]


def hash_secret(hasher: PasswordHasher, value: str) -> str:
    """Return the encoded argon2 hash of ``value`` (salt and parameters included)."""
    return hasher.hash(value)


def verify_secret(hasher: PasswordHasher, hashed: str, value: str) -> bool:
    """Return True when ``value`` matches ``hashed``; False on mismatch or a corrupt hash."""
    try:
        return hasher.verify(hashed, value)
    # VerificationError covers VerifyMismatchError; a corrupt stored hash is a plain "no".
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(hasher: PasswordHasher, hashed: str) -> bool:
    """Return True when ``hashed`` was made with other parameters than ``hasher``'s."""
    try:
        return hasher.check_needs_rehash(hashed)
    # An unreadable hash can never be upgraded in place; the caller should replace it.
    except InvalidHashError:
        return True
