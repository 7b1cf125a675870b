"""Requests whose answer must not tell who has a space: the page does the same work for
every address (seal the request, enqueue one job) and the worker decides what to do.

Timing told known addresses from unknown ones: database writes and mail queueing
happened in the request only when the address had a space. Now « Recevoir un nouveau
code », « Mot de passe oublié », « Numéro d'abonné oublié », « Renvoyer le code » and a
failed login each enqueue exactly one job, whatever the address. Its only argument is the
request sealed with Fernet (a key derived from SECRET_KEY): no address, number or IP in
clear in Redis. Features register their handler with `@deferred(name)`: it is called with
the request's values, its `ip` and the moment `at` it was made. The worker builds the app,
which imports every feature, so each handler is known there.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, has_request_context, request

from web.core.outbox import mail_queue
from web.models import utcnow

log = logging.getLogger("espace_pro.worker")
DEFERRED_JOB_TIMEOUT = 60
# A request that waited longer than this in the queue (a worker down for days) is dropped
# rather than acted on so late; anything shorter is still worth its mail.
MAX_AGE_SECONDS = 2 * 24 * 3600
Handler = Callable[..., None]
_HANDLERS: dict[str, Handler] = {}


def deferred(name: str) -> Callable[[Handler], Handler]:
    """Register what the worker does with requests of this name."""

    def register(handler: Handler) -> Handler:
        _HANDLERS[name] = handler
        return handler

    return register


def _fernet() -> Fernet:
    key = hmac.new(
        current_app.config["SECRET_KEY"].encode(),
        b"espace-pro deferred request key",
        hashlib.sha256,
    ).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def defer(name: str, **values: Any) -> None:
    """Seal the request (with the client's IP) and enqueue its one job."""
    if name not in _HANDLERS:
        raise LookupError(f"no handler for deferred request {name!r}")
    values["ip"] = request.remote_addr if has_request_context() else None
    values["at"] = utcnow().isoformat()  # what the history records is when it was asked
    sealed = _fernet().encrypt(json.dumps({"name": name, "values": values}).encode()).decode()
    mail_queue().enqueue(
        run_deferred,
        sealed,
        job_timeout=DEFERRED_JOB_TIMEOUT,
        result_ttl=0,
        failure_ttl=24 * 3600,
        description="deferred request",
    )


def run_deferred(sealed: str) -> str:
    """The worker's job: open the request and hand it to its feature's handler."""
    try:
        opened = json.loads(_fernet().decrypt(sealed.encode(), ttl=MAX_AGE_SECONDS))
    except InvalidToken:
        log.warning("deferred request dropped: too old, or sealed with another key")
        return "dropped"
    values = opened["values"]
    values["at"] = datetime.fromisoformat(values["at"])
    _HANDLERS[opened["name"]](**values)
    return "done"
