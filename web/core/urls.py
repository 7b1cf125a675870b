"""Absolute links for mails, built outside any request (in the worker)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter

_ADAPTERS = "public_url_adapters"


def _adapter(base: str) -> MapAdapter:
    """The URL map bound to PUBLIC_URL, once per app and base (was: a test request context
    per link, ≈ 1 ms each, four links a mail; docs/PERFORMANCE.md)."""
    adapters = current_app.extensions.setdefault(_ADAPTERS, {})
    adapter = adapters.get(base)
    if adapter is None:
        parts = urlsplit(base)
        adapter = adapters[base] = current_app.url_map.bind(
            parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http"
        )
    return adapter


def public_url_for(endpoint: str, **values) -> str:
    """An absolute URL on PUBLIC_URL, usable from the worker as well as a request."""
    base = current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000"
    return _adapter(base).build(endpoint, values, force_external=True)
