"""Request limits and mail caps: the `app_config` marker, and the active space fixture."""

from __future__ import annotations

import pytest

from tests.account.conftest import subscriber  # noqa: F401 - a fixture, shared


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "app_config(**overrides): settings this test's app is built with"
    )


@pytest.fixture
def app_config(app_config: dict, request: pytest.FixtureRequest) -> dict:
    """The shared overrides, plus those of the test's `app_config` marker."""
    for marker in request.node.iter_markers("app_config"):
        app_config.update(marker.kwargs)
    return app_config
