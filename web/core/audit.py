"""The subscriber's « Historique »: recording account events with date and IP."""

from __future__ import annotations

from flask import has_request_context, request

from web.extensions import db
from web.models import AuditEvent


def record(registration_id: int, kind: str, detail: str | None = None) -> AuditEvent:
    """Add an event to the session; the caller's commit saves it with its change."""
    ip = request.remote_addr if has_request_context() else None
    event = AuditEvent(
        registration_id=registration_id, kind=kind, detail=(detail or None) and detail[:255], ip=ip
    )
    db.session.add(event)
    return event
