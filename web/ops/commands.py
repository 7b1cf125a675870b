"""`flask --app web ops …`: the operator's console on the app's own database and Redis."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import NoReturn

import click
import redis
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from wtforms.validators import ValidationError

from mailer.maintenance import expire_registrations, reconcile_outbox
from web.core import two_step
from web.core.forms import normalised_email
from web.core.resend import ResendResult, request_new_code
from web.core.subscribers import PENDING_STATES, live_registration
from web.domain.masking import mask_email
from web.extensions import db
from web.models import MailOutbox, Registration, RegistrationState
from web.ops import queues, report, report_text
from web.ops.output import emit, json_option
from web.settings import MASK, Settings, is_secret, read_settings, shown_value

SINCE_PATTERN = re.compile(r"^(\d{1,4})([dh])$")
MAX_WINDOW = timedelta(days=366)


class OpsGroup(AppGroup):
    """An AppGroup that turns an unreachable Redis or database into a one-line error."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as error:
            raise click.ClickException(f"Redis is unreachable ({error}).") from None
        except OperationalError as error:
            reason = (str(error.orig).strip().splitlines() or [""])[0][:200]
            raise click.ClickException(f"the database cannot be read ({reason}).") from None


ops = OpsGroup(
    "ops",
    help="The operator's console, on the app's database and Redis: DATABASE_URL and REDIS_URL "
    "when set, else the embedded default (instance/), sharing the Redis of a running "
    "`make run`. Addresses are masked, times in UTC; --json prints one JSON document.",
)


def fail(message: str, as_json: bool, **details) -> NoReturn:
    """Exit 1 with the message on stderr (and, with --json, as a document on stdout)."""
    if as_json:
        click.echo(json.dumps({"error": message, **details}, indent=2, sort_keys=True))
    raise click.ClickException(message)


def find_registration(address: str, as_json: bool, show_address: bool = False) -> Registration:
    """The live registration of an address, looked up as the app normalises it."""
    try:
        email = normalised_email(address)
    except ValidationError:
        raise click.BadParameter("not a valid email address.", param_hint="ADDRESS") from None
    registration = live_registration(email)
    if registration is None:
        shown = email if show_address else mask_email(email)
        fail(f"no registration for {shown} (an expired one keeps no address).", as_json)
    return registration


@ops.command("status", short_help="Registrations, queues, jobs, oldest owed mail.")
@json_option
def status(as_json: bool) -> None:
    """Registrations by state, queue depths, scheduled and failed jobs, oldest owed mail."""
    emit(report.status(), as_json, report_text.status)


@ops.command("find", short_help="One address: state, dates, mails, history.")
@click.argument("address")
@click.option("--show-address", is_flag=True, help="Print the address in clear.")
@json_option
def find(address: str, show_address: bool, as_json: bool) -> None:
    """A registration's state, dates, mails and history (exit 1 when unknown)."""
    registration = find_registration(address, as_json, show_address)
    emit(report.registration_story(registration, show_address), as_json, report_text.story)


@ops.command("resend", short_help="Owe a new activation code (same rules as the site).")
@click.argument("address")
@json_option
def resend(address: str, as_json: bool) -> None:
    """Owe a new activation code as « Renvoyer le code » does (same limits); the worker sends it."""
    registration = find_registration(address, as_json)
    shown = mask_email(registration.email)
    if registration.state not in PENDING_STATES:
        fail(
            f"refused: registration {registration.id} ({shown}) is {registration.state}; "
            "only pending, code_sent and mail_failed ones get a new code.",
            as_json,
            state=registration.state,
        )
    outcome = request_new_code(registration)
    if outcome.result is ResendResult.TOO_SOON:
        fail(
            f"refused: a new code was asked for less than a minute ago; retry in "
            f"{outcome.retry_after} s.",
            as_json,
            retry_after_seconds=outcome.retry_after,
        )
    if outcome.result is ResendResult.TOO_MANY:
        fail(
            f"refused: the daily number of new codes is reached; retry in "
            f"{outcome.retry_after // 60} min.",
            as_json,
            retry_after_seconds=outcome.retry_after,
        )
    row = db.session.scalars(
        select(MailOutbox)
        .where(MailOutbox.registration_id == registration.id)
        .order_by(MailOutbox.id.desc())
    ).first()
    emit(
        {
            "address": shown,
            "registration_id": registration.id,
            "outbox_id": row.id,
            "kind": row.kind,
            "job_id": row.job_id,
        },
        as_json,
        report_text.resend,
    )


@ops.command("reset-two-step", short_help="Turn a subscriber's second step off (all methods).")
@click.argument("address")
@json_option
def reset_two_step(address: str, as_json: bool) -> None:
    """Turn the second step off for a subscriber who lost every method (identity checked
    first: docs/OPERATIONS.md): app, recovery codes and passkeys go; the history and a
    notice say so."""
    registration = find_registration(address, as_json)
    shown = mask_email(registration.email)
    if registration.state != RegistrationState.ACTIVE:
        fail(
            f"refused: registration {registration.id} ({shown}) is {registration.state}.",
            as_json,
            state=registration.state,
        )
    methods = sorted(two_step.enabled_methods(registration))
    codes = two_step.remaining_recovery_codes(registration)
    if not methods and not codes:
        fail(f"refused: {shown} has no second step to reset.", as_json)
    two_step.reset_all(registration)
    row = db.session.scalars(
        select(MailOutbox)
        .where(MailOutbox.registration_id == registration.id)
        .order_by(MailOutbox.id.desc())
    ).first()
    result = {
        "address": shown,
        "registration_id": registration.id,
        "removed_methods": methods,
        "removed_recovery_codes": codes,
        "outbox_id": row.id,
    }
    emit(
        result,
        as_json,
        report_text.two_step_reset,
    )


@ops.command("purge-expired", short_help="Expire spaces not activated in time (48 h by default).")
@json_option
def purge_expired(as_json: bool) -> None:
    """Expire spaces not activated within their code's validity (ACTIVATION_CODE_TTL_SECONDS,
    48 h by default) now: personal data erased, address freed."""
    expired = expire_registrations()
    emit(
        {"expired": expired},
        as_json,
        lambda doc: f"Expired {doc['expired']} registration(s) not activated in time.",
    )


@ops.command("reconcile", short_help="Re-enqueue owed mails whose job vanished.")
@json_option
def reconcile(as_json: bool) -> None:
    """Re-enqueue owed mails whose job vanished (older than a minute)."""
    requeued = reconcile_outbox()
    emit(
        {"requeued": requeued},
        as_json,
        lambda doc: f"Re-enqueued {doc['requeued']} owed mail(s) whose job had vanished.",
    )


@ops.command("requeue-failed", short_help="Put failed jobs back on their queue.")
@json_option
def requeue_failed(as_json: bool) -> None:
    """Put failed jobs back on their queue (after fixing SMTP); their mails are owed again."""
    emit(queues.requeue_failed(), as_json, report_text.requeued)


def parse_window(ctx: click.Context, param: click.Parameter, value: str) -> timedelta:
    """`7d` or `36h` as a duration, up to a year."""
    match = SINCE_PATTERN.match(value.strip().lower())
    if not match:
        raise click.BadParameter("expected a number of days or hours, like 7d or 36h.")
    amount, unit = int(match.group(1)), match.group(2)
    window = timedelta(days=amount) if unit == "d" else timedelta(hours=amount)
    if not timedelta(hours=1) <= window <= MAX_WINDOW:
        raise click.BadParameter("between 1h and 366d.")
    return window


@ops.command("stats", short_help="Daily figures (Europe/Paris days).")
@click.option(
    "--since",
    "window",
    default="7d",
    show_default=True,
    callback=parse_window,
    help="How far back: Nd (days) or Nh (hours).",
)
@json_option
def stats(window: timedelta, as_json: bool) -> None:
    """Sign-ups, activations, expiries, mails sent and failed, per day in Europe/Paris.

    A failed mail is one whose SMTP retries ran out (not one the daily cap held back).
    """
    emit(report.stats(window), as_json, report_text.stats)


# Settings the app keeps under another name, or completes (the embedded database's path).
CONFIG_KEYS = {"DATABASE_URL": "SQLALCHEMY_DATABASE_URI"}


def effective_settings() -> dict:
    """Each environment variable's value as this app runs it (default, or as completed),
    secrets and URL passwords masked."""
    from_environment = read_settings()
    shown = {}
    for name in Settings.model_fields:
        key = CONFIG_KEYS.get(name, name)
        value = (
            current_app.config[key]
            if key in current_app.config
            else getattr(from_environment, name)
        )
        if value is None or isinstance(value, (bool, int)) and not is_secret(name):
            shown[name] = value
        else:
            shown[name] = MASK if is_secret(name) else shown_value(name, value)
    return shown


@ops.command("config", short_help="The effective settings, secrets masked.")
@json_option
def config(as_json: bool) -> None:
    """Every setting as the app runs it (NAME=value), SECRET_KEY, tokens and passwords masked."""
    emit(
        effective_settings(),
        as_json,
        lambda doc: "\n".join(f"{name}={shown_value(name, value)}" for name, value in doc.items()),
    )
