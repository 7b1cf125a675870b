"""Recovery tests use the same active space as the account tests."""

from tests.account.conftest import subscriber  # noqa: F401 - a fixture, shared
