"""espace-pro: the Flask front end and its application factory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlalchemy import text

from web import config as settings
from web.extensions import (
    babel,
    csrf,
    db,
    limiter,
    login_manager,
    mail,
    migrate,
    redis_store,
)
from web.redis_client import limiter_storage
from web.settings import SettingsError, exit_with

# pg_advisory_lock key held while migrating (any constant: "espace-pro migrate").
MIGRATION_LOCK = 0x6573_7061_6365_6D69


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from the environment, then apply the given overrides.

    A bad environment variable raises SettingsError (a RuntimeError); without overrides
    (gunicorn's `web:create_app()`, `flask --app web …`) the process is starting from the
    environment alone, so it prints one line per bad variable and exits 2 instead.
    """
    app = Flask(__name__, instance_path=os.environ.get("INSTANCE_PATH") or None)
    try:
        app.config.from_mapping(settings.from_environment(app.instance_path))
    except SettingsError as error:
        if config is not None:
            raise
        exit_with(error)
    if config:
        app.config.from_mapping(config)
    try:
        configure_secret_key(app)
        register_request_log(app)
        register_security(app)
    except SettingsError as error:
        if config is not None:
            raise
        exit_with(error)
    register_request_rules(app)
    register_extensions(app)
    register_mail_jobs(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    register_safety_net(app)
    if app.config["AUTO_MIGRATE"] and not under_flask_cli():
        upgrade_schema(app)
    return app


def configure_secret_key(app: Flask) -> None:
    """Use the configured key; outside production, fall back to the instance's own."""
    if app.config.get("SECRET_KEY"):
        return
    if app.config["APP_ENV"] == "production":
        raise SettingsError(["SECRET_KEY must be set in production (refusing the default key)."])
    app.config["SECRET_KEY"] = settings.instance_secret_key(app.instance_path)


def register_request_log(app: Flask) -> None:
    """Request ids, the access log and the latency metrics (first: they time everything)."""
    from web.core.request_log import register

    register(app)


def register_security(app: Flask) -> None:
    """Refuse unsafe production settings; session cookie, trusted proxies, headers."""
    from web.core.security import register

    register(app)


def register_extensions(app: Flask) -> None:
    """Bind the extension objects to this app."""
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = settings.engine_options(app.config)
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))
    mail.init_app(app)
    csrf.init_app(app)
    from web.core.i18n import select_locale, vary_on_language

    babel.init_app(app, locale_selector=select_locale)
    from web.core import translations

    translations.install(app)
    app.after_request(vary_on_language)
    redis_store.init_app(app)
    login_manager.init_app(app)
    # The limiter's own client of the same Redis (Sentinel, TLS, passwords), built by the
    # `limits` library from what web/redis_client.py gives it. Fail closed: a limit that
    # cannot be checked answers the 503 page (docs/RESILIENCE.md), and promptly: the
    # limiter's Redis client gets the app's timeouts and retries.
    storage_uri, storage_options = limiter_storage(
        app.config["REDIS_URL"], app.extensions["redis_options"]
    )
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage_uri)
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", storage_options)
    from web.core.limits import check_limit_settings

    check_limit_settings(app)
    # The Limiter object is shared by every app of the process and keeps the last app's
    # switch: each app states its own, or one built disabled would disable the next ones.
    app.config.setdefault("RATELIMIT_ENABLED", True)
    # It also merges each app's storage options into its own, kept from the apps before:
    # an earlier app's Sentinel or TLS options would reach this app's storage. None kept.
    limiter._storage_options = {}
    limiter.init_app(app)


def register_safety_net(app: Flask) -> None:
    """Last: failures past Flask's error handlers still answer the French 503 page."""
    from web.core.safety_net import register

    register(app)


def register_request_rules(app: Flask) -> None:
    """Form bodies only, uploads where declared, ids the database holds (before any route)."""
    from web.core.request_rules import register

    register(app)


def register_mail_jobs(app: Flask) -> None:
    """Give the outbox the worker's job of each mail kind (importing mailer registers them)."""
    import mailer  # noqa: F401


def register_blueprints(app: Flask) -> None:
    """Mount one blueprint per feature."""
    from web.account.routes import bp as account_bp
    from web.activation.routes import bp as activation_bp
    from web.dossiers.routes import bp as dossiers_bp
    from web.main.routes import bp as main_bp
    from web.ops.routes import bp as ops_bp
    from web.recovery.routes import bp as recovery_bp
    from web.registration.routes import bp as registration_bp

    for feature in (main_bp, registration_bp, activation_bp, account_bp, dossiers_bp, recovery_bp):
        app.register_blueprint(feature)
    # Probes and scrapes: no form to protect, never rate-limited.
    csrf.exempt(ops_bp)
    limiter.exempt(ops_bp)
    app.register_blueprint(ops_bp)
    # The test mailbox page exists only outside production, and only with a mailbox to read.
    if app.config["APP_ENV"] != "production" and app.config.get("DEV_MAILBOX_DIR"):
        from web.devmail.routes import bp as devmail_bp

        app.register_blueprint(devmail_bp)


def register_errorhandlers(app: Flask) -> None:
    """Answer every error with a page in the visitor's language, never a bare traceback."""
    from web.core.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    """Filters the templates use (dates in Europe/Paris, masked values); WTForms' inputs
    write their attributes with web/core/widgets.py."""
    from web.core import widgets
    from web.core.templating import register

    register(app)
    widgets.install()


def register_commands(app: Flask) -> None:
    """Register the operator's Click commands (`flask --app web ops …`)."""
    from web.ops.commands import ops

    app.cli.add_command(ops)


def under_flask_cli() -> bool:
    """True while `flask …` builds the app for one of its commands.

    A command never migrates on the side: `flask db upgrade` (compose's `migrate`) does it
    on purpose, and `flask ops …` would pay for it (~4 s) and race the running app.
    """
    import click
    from flask.cli import ScriptInfo

    context = click.get_current_context(silent=True)
    return context is not None and context.find_object(ScriptInfo) is not None


def upgrade_schema(app: Flask) -> None:
    """Apply pending migrations (embedded default: the app migrates itself on start).

    On PostgreSQL, under an advisory lock: replicas started together migrate one after the
    other, the later ones finding the schema at its head.
    """
    from flask_migrate import upgrade

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            upgrade()
            return
        with db.engine.connect() as connection:
            # Session-level lock, held by this connection while alembic uses its own.
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            try:
                upgrade()
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                connection.commit()
