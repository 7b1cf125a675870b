"""Time as the service tells it: instants in UTC, days and deadlines in Paris."""

from __future__ import annotations

from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
