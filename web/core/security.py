"""Hardening: production refusals, the session cookie, trusted proxies and security headers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Flask, Response, request, session
from flask.helpers import get_debug_flag
from werkzeug.middleware.proxy_fix import ProxyFix

# No inline script or style anywhere: the pages load only this site's CSS.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'; "
    "base-uri 'none'"
)
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"
SECURE_SESSION_COOKIE = "__Host-session"
MIN_SECRET_LENGTH = 32
MIN_SECRET_DISTINCT_CHARACTERS = 8
# Values copied from examples and tutorials; all but the last two are short anyway.
PLACEHOLDER_SECRETS = frozenset(
    {
        "change-me",
        "changeme",
        "secret",
        "dev",
        "development",
        "default",
        "your-secret-key",
        "please-change-this-secret-key-now",
        "replace-with-a-long-random-secret-key",
    }
)
# Pages whose Referer may name only our origin (they carry tokens in their URLs).
ORIGIN_ONLY_BLUEPRINTS = frozenset({"recovery"})
# Pages everyone sees alike; any other response may show personal data or carry a form.
PUBLIC_ENDPOINTS = frozenset({"static", "main.landing", "main.subscription", "main.terms"})


def register(app: Flask) -> None:
    """Refuse unsafe production settings, then set up the cookie, the proxy and the headers."""
    check_production_settings(app)
    configure_session_cookie(app)
    configure_proxy(app)
    app.after_request(add_security_headers)


def production_problems(app: Flask) -> list[str]:
    """What makes this configuration unsafe to serve in production, one sentence each."""
    return refusals(app.config, debug=app.debug or get_debug_flag())


def refusals(config: Mapping[str, Any], debug: bool) -> list[str]:
    """The production refusals of a configuration (an app's, or the settings a process
    starts with: gunicorn's master checks them before any worker starts)."""
    problems = []
    secret = config.get("SECRET_KEY") or ""
    if (
        len(secret) < MIN_SECRET_LENGTH
        or len(set(secret)) < MIN_SECRET_DISTINCT_CHARACTERS
        or str(secret).lower() in PLACEHOLDER_SECRETS
    ):
        problems.append(
            f"SECRET_KEY is too weak: use at least {MIN_SECRET_LENGTH} random characters, "
            'e.g. python -c "import secrets; print(secrets.token_urlsafe(48))".'
        )
    if debug:
        problems.append("FLASK_DEBUG (DEBUG) must be off: the debugger runs any code sent to it.")
    if config.get("DEV_MAILBOX_DIR"):
        problems.append("DEV_MAILBOX_DIR must be unset: the test mailbox is for development.")
    return problems


def check_production_settings(app: Flask) -> None:
    """In production, refuse to start with a weak secret, debug on or the test mailbox:
    one line each (a process starting from its environment prints them and exits 2)."""
    if app.config["APP_ENV"] != "production":
        return
    problems = production_problems(app)
    if problems:
        from web.settings import SettingsError

        raise SettingsError([f"Refusing to start in production. {problem}" for problem in problems])


def configure_session_cookie(app: Flask) -> None:
    """HttpOnly and Lax always; Secure with the __Host- prefix in production (COOKIE_SECURE)."""
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    secure = app.config.get("COOKIE_SECURE")
    if secure is None:
        secure = app.config["APP_ENV"] == "production"
    if secure:
        # __Host-: the browser keeps it only if Secure, Path=/ and without Domain.
        app.config.update(
            SESSION_COOKIE_SECURE=True,
            SESSION_COOKIE_NAME=SECURE_SESSION_COOKIE,
            SESSION_COOKIE_PATH="/",
            SESSION_COOKIE_DOMAIN=None,
        )
    # The cookie never outlives the server-side session's absolute limit.
    absolute = timedelta(seconds=app.config["SESSION_ABSOLUTE_SECONDS"])
    if app.permanent_session_lifetime > absolute:
        app.config["PERMANENT_SESSION_LIFETIME"] = absolute


def configure_proxy(app: Flask) -> None:
    """Trust X-Forwarded-* only from as many proxies as configured (none by default)."""
    hops = {
        name: int(app.config.get(f"PROXY_FIX_X_{name.upper()}") or 0)
        for name in ("for", "proto", "host")
    }
    if any(hops.values()):
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=hops["for"], x_proto=hops["proto"], x_host=hops["host"]
        )


def add_security_headers(response: Response) -> Response:
    """Put the security headers on every response, keeping stricter ones a view has set."""
    headers = response.headers
    # The dev mailbox's raw-HTML route brings its own, narrower policy.
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    # Recovery pages carry tokens: never a path or query in a Referer. Not no-referrer:
    # over HTTPS Flask-WTF refuses a POST without a same-origin Referer, and they are forms.
    policy = "strict-origin" if request.blueprint in ORIGIN_ONLY_BLUEPRINTS else "same-origin"
    headers.setdefault("Referrer-Policy", policy)
    if request.is_secure:
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    if may_be_stored():
        return response
    headers["Cache-Control"] = "no-store"
    return response


def may_be_stored() -> bool:
    """Static files, and the public pages when they showed nothing of the visitor's session."""
    if request.endpoint == "static":
        return True
    # A public page that popped a flashed message (or wrote anything else) is personal, and
    # so is one whose header names the logged-in subscriber.
    return (
        request.endpoint in PUBLIC_ENDPOINTS
        and not session.modified
        and not session.get("_user_id")
    )
