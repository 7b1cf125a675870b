"""Unit tests for web.core.secrets.hashing."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from web.core.secrets.hashing import hash_secret, make_hasher, needs_rehash, verify_secret


@pytest.fixture
def fast_hasher() -> PasswordHasher:
    # Tiny cost keeps the suite fast; only the defaults test pays the real price.
    return make_hasher(memory_kib=8, time_cost=1, parallelism=1)


def test_default_hasher_uses_argon2id_with_owasp_parameters() -> None:
    hashed = hash_secret(make_hasher(), "Kq7vTz2mWb")
    assert hashed.startswith("$argon2id$")
    assert "m=19456,t=2,p=1" in hashed


def test_round_trip_verifies(fast_hasher: PasswordHasher) -> None:
    hashed = hash_secret(fast_hasher, "eleonore de la tour")
    assert verify_secret(fast_hasher, hashed, "eleonore de la tour") is True


def test_hash_does_not_contain_the_secret(fast_hasher: PasswordHasher) -> None:
    assert "Kq7vTz2mWb" not in hash_secret(fast_hasher, "Kq7vTz2mWb")


def test_same_secret_is_salted_differently(fast_hasher: PasswordHasher) -> None:
    assert hash_secret(fast_hasher, "Kq7vTz2mWb") != hash_secret(fast_hasher, "Kq7vTz2mWb")


def test_wrong_value_does_not_verify(fast_hasher: PasswordHasher) -> None:
    hashed = hash_secret(fast_hasher, "Kq7vTz2mWb")
    assert verify_secret(fast_hasher, hashed, "Kq7vTz2mWc") is False


@pytest.mark.parametrize("hashed", ["", "not a hash", "$argon2id$v=19$m=8,t=1,p=1$garbage"])
def test_corrupt_hash_does_not_verify(fast_hasher: PasswordHasher, hashed: str) -> None:
    assert verify_secret(fast_hasher, hashed, "Kq7vTz2mWb") is False


def test_hash_with_current_parameters_needs_no_rehash(fast_hasher: PasswordHasher) -> None:
    assert needs_rehash(fast_hasher, hash_secret(fast_hasher, "x")) is False


def test_hash_with_old_parameters_needs_rehash(fast_hasher: PasswordHasher) -> None:
    stronger = make_hasher(memory_kib=16, time_cost=1, parallelism=1)
    assert needs_rehash(stronger, hash_secret(fast_hasher, "x")) is True


def test_corrupt_hash_needs_rehash(fast_hasher: PasswordHasher) -> None:
    assert needs_rehash(fast_hasher, "not a hash") is True
