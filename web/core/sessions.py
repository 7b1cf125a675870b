"""Server-side login sessions in Redis: renewed at login, really ended at logout.

The cookie only carries a random session id. Idle timeout 30 min, absolute 12 h; a
password change or reset ends every session of the subscriber.
"""

from __future__ import annotations

import json
import secrets
import time

from flask import current_app

from web.extensions import redis_store

SESSION_KEY = "auth:session:{}"
INDEX_KEY = "auth:sessions:{}"


def _limits() -> tuple[int, int]:
    config = current_app.config
    return config["SESSION_IDLE_SECONDS"], config["SESSION_ABSOLUTE_SECONDS"]


def open_session(registration_id: int) -> str:
    """Start a login session and return its new random id."""
    idle, absolute = _limits()
    session_id = secrets.token_urlsafe(32)
    now = time.time()
    value = json.dumps({"registration_id": registration_id, "created": now, "seen": now})
    connection = redis_store.connection
    with connection.pipeline() as pipe:
        pipe.set(SESSION_KEY.format(session_id), value, ex=idle)
        pipe.sadd(INDEX_KEY.format(registration_id), session_id)
        pipe.expire(INDEX_KEY.format(registration_id), absolute)
        pipe.execute()
    return session_id


def touch_session(session_id: str) -> int | None:
    """The session's registration id, renewing its idle timeout; None once it has ended."""
    idle, absolute = _limits()
    connection = redis_store.connection
    key = SESSION_KEY.format(session_id)
    raw = connection.get(key)
    if raw is None:
        return None
    data = json.loads(raw)
    now = time.time()
    if now - data["seen"] > idle or now - data["created"] > absolute:
        close_session(session_id)
        return None
    data["seen"] = now
    remaining = int(absolute - (now - data["created"]))
    connection.set(key, json.dumps(data), ex=max(1, min(idle, remaining)))
    return data["registration_id"]


def close_session(session_id: str) -> None:
    """End one session (logout)."""
    connection = redis_store.connection
    raw = connection.getdel(SESSION_KEY.format(session_id))
    if raw is not None:
        connection.srem(INDEX_KEY.format(json.loads(raw)["registration_id"]), session_id)


def close_all_sessions(registration_id: int, keep: str | None = None) -> None:
    """End every session of a subscriber, except `keep` (the one changing the password)."""
    connection = redis_store.connection
    index = INDEX_KEY.format(registration_id)
    for member in connection.smembers(index):
        session_id = member.decode()
        if session_id != keep:
            connection.delete(SESSION_KEY.format(session_id))
            connection.srem(index, session_id)
