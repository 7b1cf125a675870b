"""Observability helpers: the metrics token and the samples of a Prometheus text."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

METRICS_TOKEN = "obs-metrics-token-for-tests"  # noqa: S105 - a test value


def samples(text_body: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of a Prometheus text, by name and labels (parsed by prometheus_client)."""
    found = {}
    for family in text_string_to_metric_families(text_body):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: dict, name: str, **labels: str) -> float:
    """One sample's value (0 when the series is absent)."""
    return found.get((name, frozenset(labels.items())), 0.0)
