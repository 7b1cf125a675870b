"""Verifying a login: same message and similar cost whether the address exists or not."""

from __future__ import annotations

from argon2 import PasswordHasher

from web.core.secrets.hashing import hash_secret, hasher, needs_rehash, verify_secret
from web.core.subscribers import live_registration
from web.extensions import db
from web.models import Registration, RegistrationState

_DUMMY_HASH: dict[str, str] = {}


def _dummy_hash(active_hasher: PasswordHasher) -> str:
    # A hash with the live parameters, so an unknown address costs one real verify too.
    key = f"{active_hasher.memory_cost}:{active_hasher.time_cost}"
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hash_secret(active_hasher, "espace-pro dummy password")
    return _DUMMY_HASH[key]


def check_password(registration: Registration, password: str) -> bool:
    """Verify a subscriber's password, rehashing it when the parameters changed."""
    active_hasher = hasher()
    if not verify_secret(active_hasher, registration.password_hash or "", password):
        return False
    if needs_rehash(active_hasher, registration.password_hash):
        registration.password_hash = hash_secret(active_hasher, password)
        db.session.commit()
    return True


def authenticate(email: str, password: str) -> Registration | None:
    """The active subscriber with this address and password, or None."""
    registration = live_registration(email)
    if registration is None or registration.state != RegistrationState.ACTIVE:
        verify_secret(hasher(), _dummy_hash(hasher()), password)
        return None
    return registration if check_password(registration, password) else None
