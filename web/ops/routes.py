"""Probes and metrics for the operator: /readyz and /metrics (/healthz is in main)."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST

from web.core import metrics
from web.ops import health

bp = Blueprint("ops", __name__)


@bp.route("/readyz")
def readyz():
    """Readiness: 200 when the database, its schema and Redis are ready, else 503 and why."""
    checks = health.readiness()
    ready = all(state == health.OK for state in checks.values())
    return {"status": "ready" if ready else "unavailable", "checks": checks}, (
        200 if ready else 503
    )


@bp.route("/metrics", endpoint="metrics")
def prometheus_metrics():
    """Prometheus text; with METRICS_TOKEN set, only for `Authorization: Bearer <token>`."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        if current_app.config["APP_ENV"] == "production":
            abort(404)  # never open to the internet by default
    elif not bearer_matches(token):
        return Response("", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'})
    return Response(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)


def bearer_matches(token: str) -> bool:
    """Whether the request carries the token (compared in constant time)."""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )
