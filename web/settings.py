"""The environment variables the app reads, typed and checked once at process start.

Every variable of README's configuration table is a field here, under its own name and
with its default. A bad value (``MAIL_PORT=abc``, ``RATELIMIT_LOGIN_IP=often``, a
malformed ``DATABASE_URL``) is a :class:`SettingsError` naming each variable, what is
wrong with its value and an example; the entry points turn it into one stderr line per
variable and exit 2 (:func:`load_or_exit`), never a traceback.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Mapping
from typing import Any, Literal, NoReturn
from urllib.parse import urlsplit

from limits import parse_many
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROGRAM = "espace-pro"
EXIT_BAD_SETTINGS = 2
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
REDIS_SCHEMES = frozenset({"redis", "rediss", "unix", "redis+sentinel", "rediss+sentinel"})
# The rate limits (web/core/limits.py reads each at request time).
LIMIT_SETTINGS = (
    "RATELIMIT_CONFIRM_IP",
    "RATELIMIT_RESEND",
    "RATELIMIT_RESEND_IP",
    "RATELIMIT_ACTIVATION",
    "RATELIMIT_ACTIVATION_IP",
    "RATELIMIT_LOGIN_IP",
    "RATELIMIT_RECOVERY",
    "RATELIMIT_RECOVERY_IP",
    "RATELIMIT_ADDRESS_CHANGE",
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MASK = "****"
# Names whose value is a secret: never printed, whether by `ops config` or an error line.
SECRET_NAME = re.compile(r"(TOKEN|KEY|PASSWORD|SECRET)$")
URL_PASSWORD = re.compile(r"^([a-z][a-z0-9+.-]*://[^:/@]*):([^@]*)@", re.IGNORECASE)


def _port(default: int, example: int) -> Any:
    return Field(default, ge=1, le=65535, examples=[example])


def _count(default: int, example: int) -> Any:
    return Field(default, ge=0, examples=[example])


def _positive(default: int, example: int) -> Any:
    return Field(default, ge=1, examples=[example])


def _limit(default: str) -> Any:
    return Field(default, examples=["10 per hour"])


class Settings(BaseSettings):
    """Every environment variable of the app (an empty value counts as unset)."""

    model_config = SettingsConfigDict(case_sensitive=True, env_ignore_empty=True, extra="ignore")

    APP_ENV: Literal["development", "production"] = Field("development", examples=["production"])
    SECRET_KEY: str | None = Field(None, examples=["<48 random characters>"])
    DATABASE_URL: str | None = Field(None, examples=["postgresql+psycopg://espace@db:5432/espace"])
    DATABASE_CONNECT_TIMEOUT: int = _positive(5, 5)
    # "transaction": behind PgBouncer in transaction pooling (no prepared statements).
    DATABASE_POOL_MODE: Literal["session", "transaction"] = Field(
        "session", examples=["transaction"]
    )
    DATABASE_POOL_SIZE: int = _positive(5, 5)
    DATABASE_MAX_OVERFLOW: int = _count(10, 10)
    DATABASE_POOL_TIMEOUT: int = _positive(30, 30)
    REDIS_URL: str | None = Field(None, examples=["redis://redis:6379/0"])
    REDIS_USERNAME: str | None = Field(None, examples=["espace-pro"])
    REDIS_PASSWORD: str | None = Field(None, examples=["<the Redis password>"])
    REDIS_SENTINEL_USERNAME: str | None = Field(None, examples=["sentinel-user"])
    REDIS_SENTINEL_PASSWORD: str | None = Field(None, examples=["<the sentinels' password>"])
    REDIS_SSL_CA_CERTS: str | None = Field(None, examples=["/etc/ssl/redis/ca.pem"])
    REDIS_SSL_CERTFILE: str | None = Field(None, examples=["/etc/ssl/redis/client.pem"])
    REDIS_SSL_KEYFILE: str | None = Field(None, examples=["/etc/ssl/redis/client.key"])
    REDIS_SSL_CHECK_HOSTNAME: bool = Field(True, examples=["0"])
    REDIS_RETRIES: int = _count(3, 3)
    REDIS_RETRY_BACKOFF_BASE_MS: int = _positive(100, 100)
    REDIS_RETRY_BACKOFF_CAP_MS: int = _positive(1000, 1000)
    # Below the 3 s socket timeout: WAIT blocks the connection that long at most.
    REDIS_REPLICA_WAIT_MS: int = Field(1000, ge=1, le=2500, examples=[1000])
    MAIL_SERVER: str = Field("127.0.0.1", examples=["smtp.example.com"])
    MAIL_PORT: int = _port(8025, 587)
    MAIL_USE_TLS: bool = Field(False, examples=["1"])
    MAIL_USE_SSL: bool = Field(False, examples=["0"])
    MAIL_USERNAME: str | None = Field(None, examples=["espace-pro"])
    MAIL_PASSWORD: str | None = Field(None, examples=["<the SMTP password>"])
    MAIL_DEFAULT_SENDER: str = Field(
        "espace-pro <no-reply@example.com>", examples=["espace-pro <no-reply@example.com>"]
    )
    MAIL_TIMEOUT_SECONDS: int = _positive(20, 20)
    PORT: int = _port(5000, 5000)
    PUBLIC_URL: str | None = Field(None, examples=["https://pro.example.com"])
    CONTACT_EMAIL: str | None = Field(None, examples=["aide@example.com"])
    # None: on in development, off in production (compose's one-shot `migrate` does it).
    AUTO_MIGRATE: bool | None = Field(None, examples=["0"])
    DRAFT_IDLE_SECONDS: int = _positive(3600, 3600)
    PASSWORD_POLICY: Literal["seed", "strict"] = Field("seed", examples=["strict"])
    ARGON2_MEMORY_KIB: int = _positive(19456, 19456)
    ARGON2_TIME_COST: int = _positive(2, 2)
    ARGON2_PARALLELISM: int = _positive(1, 1)
    ACTIVATION_CODE_TTL_SECONDS: int = _positive(48 * 3600, 172800)
    ACTIVATION_RECEIPT_SECONDS: int = _positive(15 * 60, 900)
    RESEND_MIN_SECONDS: int = _count(60, 60)
    RESEND_MAX_PER_DAY: int = _positive(5, 5)
    RATELIMIT_CONFIRM_IP: str = _limit("20 per hour")
    RATELIMIT_RESEND: str = _limit("10 per hour")
    RATELIMIT_RESEND_IP: str = _limit("30 per hour")
    RATELIMIT_ACTIVATION: str = _limit("10 per hour")
    RATELIMIT_ACTIVATION_IP: str = _limit("30 per hour")
    RATELIMIT_LOGIN_IP: str = _limit("60 per 15 minutes")
    RATELIMIT_RECOVERY: str = _limit("10 per hour")
    RATELIMIT_RECOVERY_IP: str = _limit("30 per hour")
    RATELIMIT_ADDRESS_CHANGE: str = _limit("5 per hour")
    MAIL_MAX_PER_ADDRESS_PER_DAY: int = _positive(10, 10)
    DEV_MAILBOX_DIR: str | None = Field(None, examples=["instance/mailbox"])
    METRICS_TOKEN: str | None = Field(None, examples=["<32 random characters>"])
    MAX_CONTENT_LENGTH: int = _positive(1024 * 1024, 1048576)
    SESSION_IDLE_SECONDS: int = _positive(30 * 60, 1800)
    SESSION_ABSOLUTE_SECONDS: int = _positive(12 * 3600, 43200)
    DOSSIER_WARNING_COUNT: int = _positive(100, 100)
    DOSSIER_LIMIT: int = _positive(500, 500)
    # None: Secure + "__Host-" prefix in production only (web/core/security.py).
    COOKIE_SECURE: bool | None = Field(None, examples=["0"])
    PROXY_FIX_X_FOR: int = _count(0, 1)
    PROXY_FIX_X_PROTO: int = _count(0, 1)
    PROXY_FIX_X_HOST: int = _count(0, 1)
    LOG_LEVEL: str = Field("INFO", examples=["WARNING"])
    LOG_FORMAT: Literal["text", "json"] = Field("text", examples=["json"])

    @model_validator(mode="after")
    def _migrate_by_default_outside_production(self) -> Settings:
        if self.AUTO_MIGRATE is None:
            self.AUTO_MIGRATE = self.APP_ENV != "production"
        return self

    @field_validator(
        "MAIL_USE_TLS",
        "MAIL_USE_SSL",
        "AUTO_MIGRATE",
        "COOKIE_SECURE",
        "REDIS_SSL_CHECK_HOSTNAME",
        mode="before",
    )
    @classmethod
    def _yes_or_no(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError("is not a yes/no value (1, true, yes, on or 0, false, no, off)")

    @field_validator(*LIMIT_SETTINGS)
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError:
            raise ValueError("is not a rate limit (a number per second/minute/hour/day)") from None
        return value

    @field_validator("DATABASE_URL")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            url = make_url(value)
        except (ArgumentError, ValueError):
            raise ValueError("is not a database URL") from None
        if not url.drivername:
            raise ValueError("is not a database URL")
        return value

    @field_validator("REDIS_URL")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        from web.redis_client import is_sentinel, parse_sentinel_url

        if is_sentinel(value):
            try:
                parse_sentinel_url(value)
            except ValueError as error:
                raise ValueError(
                    f"{error} (redis+sentinel://host:port[,host:port…]/service_name[/db])"
                ) from None
            return value
        parts = urlsplit(value)
        if parts.scheme not in REDIS_SCHEMES or not (parts.netloc or parts.path):
            raise ValueError(
                "is not a Redis URL (redis://, rediss://, unix:// or redis+sentinel://)"
            )
        return value

    @field_validator("PUBLIC_URL")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("is not an http:// or https:// address")
        return value

    @field_validator("LOG_LEVEL", mode="before")
    @classmethod
    def _log_level(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().upper() in LOG_LEVELS:
            return value.strip().upper()
        raise ValueError(f"is not a log level ({', '.join(LOG_LEVELS)})")


class SettingsError(RuntimeError):
    """Some environment variables hold values the app cannot use; one line per variable."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def is_secret(name: str) -> bool:
    """Whether the variable's value is never printed (SECRET_KEY, *TOKEN, *PASSWORD…)."""
    return bool(SECRET_NAME.search(name))


def shown_value(name: str, value: Any) -> str:
    """A value fit to print: secrets masked, a URL's password masked, None as empty."""
    if value is None:
        return ""
    if is_secret(name):
        return MASK
    text = str(value) if not isinstance(value, bool) else ("1" if value else "0")
    return URL_PASSWORD.sub(lambda match: f"{match.group(1)}:{MASK}@", text)


def _problem(error: Mapping[str, Any]) -> str:
    """What is wrong with the value, in a few words."""
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind == "int_parsing" or kind == "int_from_float":
        return "is not a whole number"
    if kind == "greater_than_equal":
        return f"is too small (at least {context['ge']})"
    if kind == "less_than_equal":
        return f"is too large (at most {context['le']})"
    if kind == "literal_error":
        return f"is not one of {context.get('expected', '')}"
    if kind == "value_error":
        return str(context.get("error", error["msg"]))
    return str(error["msg"]).lower()


def problems_of(error: ValidationError) -> list[str]:
    """One line per bad variable: its name, its value (masked if secret), problem, example."""
    lines = []
    for item in error.errors(include_url=False):
        name = str(item["loc"][0]) if item["loc"] else "?"
        field = Settings.model_fields.get(name)
        example = field.examples[0] if field is not None and field.examples else None
        value = shown_value(name, item.get("input"))
        line = f"{PROGRAM}: {name}={value!r} {_problem(item)}"
        if example is not None:
            line += f" (example: {name}={shlex.quote(str(example))})"
        lines.append(line)
    return lines


def read_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings from the environment (or the given mapping); SettingsError if any is bad."""
    source = os.environ if environ is None else environ
    values = {name: source[name] for name in Settings.model_fields if source.get(name)}
    try:
        return Settings.model_validate(values) if environ is not None else Settings()
    except ValidationError as error:
        raise SettingsError(problems_of(error)) from None


def exit_with(error: SettingsError) -> NoReturn:
    """Print each problem on its own stderr line and exit 2."""
    for line in error.problems:
        print(line, file=sys.stderr)
    sys.stderr.flush()
    raise SystemExit(EXIT_BAD_SETTINGS)


def load_or_exit() -> Settings:
    """At process start: the checked settings, or one line per bad variable and exit 2
    (in production, the refusals too: a weak SECRET_KEY, debug on, the test mailbox)."""
    try:
        settings = read_settings()
        if settings.APP_ENV == "production":
            from flask.helpers import get_debug_flag

            from web.core.security import refusals

            problems = refusals(settings.model_dump(), debug=get_debug_flag())
            if problems:
                raise SettingsError(
                    [f"Refusing to start in production. {problem}" for problem in problems]
                )
        return settings
    except SettingsError as error:
        exit_with(error)
