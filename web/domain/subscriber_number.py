"""Subscriber numbers: year (4) + day of year (3) + counter (7), from the Paris date."""

from __future__ import annotations

from datetime import UTC, datetime

from web.domain.clock import PARIS

COUNTER_DIGITS = 7
MAX_COUNTER = 10**COUNTER_DIGITS - 1


def subscriber_number(activated_at: datetime, counter: int) -> str:
    """Format the number for an activation instant (naive = UTC) and a DB counter value."""
    if not 1 <= counter <= MAX_COUNTER:
        raise ValueError(f"counter out of range: {counter}")
    if activated_at.tzinfo is None:
        activated_at = activated_at.replace(tzinfo=UTC)
    day = activated_at.astimezone(PARIS)
    return f"{day.year:04d}{day.timetuple().tm_yday:03d}{counter:0{COUNTER_DIGITS}d}"
