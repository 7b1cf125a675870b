"""The `failover` marker: the Redis failover proof with real processes (test_failover.py).

CI runs it in both passes of `make test` (nothing deselects it); `-m failover` runs it alone,
`-m "not failover"` leaves its two minutes out of a local run.
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Declare the marker (unknown markers are errors: filterwarnings = error)."""
    config.addinivalue_line(
        "markers",
        "failover: a Redis master, replica and three Sentinels as processes, failed over "
        "under load (about two minutes)",
    )
