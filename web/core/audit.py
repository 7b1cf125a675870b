"""The subscriber's « Historique »: recording account events with date and IP."""

from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request

from web.extensions import db
from web.models import AuditEvent, utcnow


def record(
    registration_id: int,
    kind: str,
    detail: str | None = None,
    ip: str | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add an event to the session; the caller's commit saves it with its change.

    The IP and time are the request's, or `ip` and `at` when the worker records what a
    request asked.
    """
    if ip is None and has_request_context():
        ip = request.remote_addr
    event = AuditEvent(
        registration_id=registration_id,
        kind=kind,
        detail=(detail or None) and detail[:255],
        ip=ip,
        created_at=at or utcnow(),
    )
    db.session.add(event)
    return event
