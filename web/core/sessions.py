"""Server-side login sessions in Redis: renewed at login, really ended at logout.

The cookie only carries a random session id. Idle timeout 30 min, absolute 12 h; a
password change or reset ends every session of the subscriber. « Sessions actives » lists
them by a public handle (a keyed hash of the id: the id itself never leaves the cookie),
with what the login request told of the device: browser, system and a masked IP.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app

from web.domain.devices import describe_device
from web.domain.masking import mask_ip
from web.extensions import redis_store

SESSION_KEY = "auth:session:{}"
INDEX_KEY = "auth:sessions:{}"
HANDLE = re.compile(r"[0-9a-f]{32}")


def _limits() -> tuple[int, int]:
    config = current_app.config
    return config["SESSION_IDLE_SECONDS"], config["SESSION_ABSOLUTE_SECONDS"]


@dataclass(frozen=True)
class LoginSession:
    """One live session as « Sessions actives » shows it (never its id)."""

    handle: str
    browser: str
    system: str
    ip: str
    started: datetime
    last_seen: datetime
    current: bool = False


def open_session(registration_id: int, user_agent: str | None = None, ip: str | None = None) -> str:
    """Start a login session and return its new random id.

    Redis keeps only what the list shows: the browser and system read from the user agent,
    and the IP already masked (the history keeps the full one).
    """
    idle, absolute = _limits()
    session_id = secrets.token_urlsafe(32)
    now = time.time()
    device = describe_device(user_agent)
    value = json.dumps(
        {
            "registration_id": registration_id,
            "created": now,
            "seen": now,
            "browser": device.browser,
            "system": device.system,
            "ip": mask_ip(ip),
        }
    )
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


def close_session(session_id: str) -> bool:
    """End one session (logout, or from « Sessions actives »); False if it had already ended."""
    connection = redis_store.connection
    raw = connection.getdel(SESSION_KEY.format(session_id))
    if raw is not None:
        connection.srem(INDEX_KEY.format(json.loads(raw)["registration_id"]), session_id)
    return raw is not None


def close_all_sessions(registration_id: int, keep: str | None = None) -> int:
    """End every session of a subscriber, except `keep` (the one asking); how many were live."""
    connection = redis_store.connection
    index = INDEX_KEY.format(registration_id)
    ended = 0
    for member in connection.smembers(index):
        session_id = member.decode()
        if session_id != keep:
            ended += connection.delete(SESSION_KEY.format(session_id))
            connection.srem(index, session_id)
    return ended


def session_handle(session_id: str) -> str:
    """The public name of a session in pages and forms: a keyed hash of its id."""
    key = hmac.new(
        current_app.config["SECRET_KEY"].encode(), b"espace-pro session handle", hashlib.sha256
    ).digest()
    return hmac.new(key, session_id.encode(), hashlib.sha256).hexdigest()[:32]


def live_sessions(registration_id: int, current: str | None = None) -> list[LoginSession]:
    """The subscriber's live sessions, this one first, then the most recently seen."""
    found = [
        _listed(session_id, data, session_id == current)
        for session_id, data in _live(registration_id)
    ]
    return sorted(found, key=lambda entry: (not entry.current, -entry.last_seen.timestamp()))


def find_session(registration_id: int, handle: str) -> tuple[str, LoginSession] | None:
    """The id and description of the subscriber's own live session named `handle`, else None."""
    if not HANDLE.fullmatch(handle or ""):
        return None
    for session_id, data in _live(registration_id):
        if hmac.compare_digest(session_handle(session_id), handle):
            return session_id, _listed(session_id, data, False)
    return None


def _live(registration_id: int) -> list[tuple[str, dict]]:
    """(id, record) of each live session in the index; ended ones are taken out of it."""
    idle, absolute = _limits()
    now = time.time()
    connection = redis_store.connection
    index = INDEX_KEY.format(registration_id)
    ids = sorted(member.decode() for member in connection.smembers(index))
    values = connection.mget([SESSION_KEY.format(session_id) for session_id in ids]) if ids else []
    live, gone = [], []
    for session_id, raw in zip(ids, values, strict=True):
        data = json.loads(raw) if raw is not None else None
        if (
            data is None
            or data["registration_id"] != registration_id
            or now - data["seen"] > idle
            or now - data["created"] > absolute
        ):
            gone.append(session_id)
        else:
            live.append((session_id, data))
    if gone:
        connection.srem(index, *gone)
    return live


def _listed(session_id: str, data: dict, current: bool) -> LoginSession:
    return LoginSession(
        handle=session_handle(session_id),
        browser=data.get("browser", ""),
        system=data.get("system", ""),
        ip=data.get("ip", "—"),
        started=datetime.fromtimestamp(data["created"], UTC),
        last_seen=datetime.fromtimestamp(data["seen"], UTC),
        current=current,
    )
