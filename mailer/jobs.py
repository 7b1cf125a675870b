"""RQ jobs: activation codes and notices, expiry of unactivated spaces, outbox reconcile.

Jobs take plain ids and run inside the worker's app context. Each is safe to run twice:
RQ delivers at least once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from rq import get_current_job
from sqlalchemy import select, update

from mailer import daily_cap
from mailer.render import render_mail
from mailer.smtp import MailDeliveryError, deliver
from web.activation import codes
from web.domain.masking import mask_email
from web.extensions import db, redis_store
from web.models import MailKind, MailOutbox, Registration, RegistrationState, utcnow
from web.ops import metrics
from web.outbox import RETRY_INTERVALS
from web.tokens import TokenPurpose, make_token
from web.urls import public_url_for

log = logging.getLogger("espace_pro.worker")
HANDED_KEY = "mail:handed:{}"
HANDED_SECONDS = 7 * 24 * 3600
LIVE_STATES = (
    RegistrationState.PENDING,
    RegistrationState.CODE_SENT,
    RegistrationState.MAIL_FAILED,
)


def _unsent(registration_id: int, kind: MailKind) -> list[MailOutbox]:
    return list(
        db.session.scalars(
            select(MailOutbox)
            .where(
                MailOutbox.registration_id == registration_id,
                MailOutbox.kind == kind,
                MailOutbox.sent_at.is_(None),
                MailOutbox.failed_at.is_(None),
            )
            .order_by(MailOutbox.id)
        )
    )


def _drop_obsolete(rows: list[MailOutbox]) -> None:
    """Close rows owed to a space that is gone or active, so nothing re-sends them."""
    for row in rows:
        row.failed_at = utcnow()
        row.last_error = "obsolete: the registration is no longer pending"
    db.session.commit()


def _code_ttl() -> int:
    return current_app.config["ACTIVATION_CODE_TTL_SECONDS"]


def _handed_marker(rows: list[MailOutbox]) -> str:
    return HANDED_KEY.format(rows[-1].id)


def _delivery_failed(
    registration: Registration, rows: list[MailOutbox], error: Exception, kind: MailKind
) -> None:
    """Log the failure; after the last retry, mark the mail (and a pending space) failed."""
    job = get_current_job()
    retries_left = job.retries_left if job is not None else 0
    for row in rows:
        row.attempts += 1
        row.last_error = str(error)
    metrics.count("mails_failed", kind)
    address = mask_email(registration.email)
    if retries_left:
        attempt = len(RETRY_INTERVALS) - retries_left
        log.warning(
            "%s to %s failed (%s); retry %d/%d in %ds",
            kind,
            address,
            error,
            attempt + 1,
            len(RETRY_INTERVALS),
            RETRY_INTERVALS[attempt],
        )
    else:
        now = utcnow()
        for row in rows:
            row.failed_at = now
        if kind == MailKind.ACTIVATION_CODE and registration.state in LIVE_STATES:
            registration.state = RegistrationState.MAIL_FAILED
        log.error(
            "%s to %s failed for good (%s): registration %s needs a resend",
            kind,
            address,
            error,
            registration.id,
        )
    db.session.commit()


def count_handed(kind: MailKind, rows: list[MailOutbox]) -> None:
    """Count a mail handed to SMTP, and how long it waited since it was owed."""
    metrics.count("mails_sent", kind)
    metrics.observe_mail_handoff((utcnow() - min(row.created_at for row in rows)).total_seconds())


def send_activation_code(registration_id: int) -> str:
    """Send a new activation code: the only valid one, for 48 h from the SMTP hand-off."""
    registration = db.session.get(Registration, registration_id)
    rows = _unsent(registration_id, MailKind.ACTIVATION_CODE)
    if registration is None or registration.state not in LIVE_STATES:
        _drop_obsolete(rows)
        log.info("activation code for registration %s skipped: no longer pending", registration_id)
        return "skipped"
    if not rows:
        log.info("activation code for registration %s already sent", registration_id)
        return "already sent"
    connection = redis_store.connection
    if connection.exists(_handed_marker(rows)):
        # A retry of a job whose mail went out but whose bookkeeping did not commit.
        _mark_code_sent(registration, rows, utcnow())
        return "already sent"
    if not daily_cap.reserve(registration.email):
        # Before a new code is stored: the code already mailed, if any, stays valid.
        return daily_cap.refuse(rows, registration.email)

    ttl = _code_ttl()
    code = codes.generate_code()
    digest = codes.code_digest(current_app.config["SECRET_KEY"], registration.id, code)
    # Stored before sending (with slack) so the code works the moment it arrives; the
    # 48 h window itself starts at the hand-off below. Any earlier code stops working.
    codes.store_code(connection, registration.id, digest, ttl + 3600)
    deadline = utcnow() + timedelta(seconds=ttl)
    message = render_mail(
        "activation_code",
        subject=_l("Votre code d'activation espace-pro"),
        recipient=registration.email,
        language=registration.preferred_locale,
        code=code,
        deadline=deadline,
        registration=registration,
        activation_url=public_url_for(
            "activation.activate",
            jeton=make_token(TokenPurpose.ACTIVATION_LINK, registration.email),
        ),
    )
    try:
        deliver(message)
    except MailDeliveryError as error:
        daily_cap.release(registration.email)
        _delivery_failed(registration, rows, error, MailKind.ACTIVATION_CODE)
        raise
    handed_at = utcnow()
    count_handed(MailKind.ACTIVATION_CODE, rows)
    codes.set_code_expiry(connection, registration.id, ttl)
    connection.set(_handed_marker(rows), 1, ex=HANDED_SECONDS)
    log.info(
        "activation code handed to SMTP for %s (registration %s)",
        mask_email(registration.email),
        registration.id,
    )
    _mark_code_sent(registration, rows, handed_at)
    return "sent"


def _mark_code_sent(registration: Registration, rows: list[MailOutbox], handed_at) -> None:
    for row in rows:
        row.sent_at = handed_at
        row.attempts += 1
    # Conditional, not through the object read before sending: the subscriber may already
    # have activated with this code (the mail arrives before this commit), and an active
    # space must stay active (found by tests/scale/test_two_web_three_workers.py).
    db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.state.in_(LIVE_STATES))
        .values(
            state=RegistrationState.CODE_SENT,
            code_sent_at=handed_at,
            code_expires_at=handed_at + timedelta(seconds=_code_ttl()),
        )
    )
    db.session.commit()


def send_already_registered(registration_id: int) -> str:
    """Tell an address's owner that someone asked for a space it already has."""
    registration = db.session.get(Registration, registration_id)
    rows = _unsent(registration_id, MailKind.ALREADY_REGISTERED)
    if registration is None or registration.state == RegistrationState.EXPIRED or not rows:
        _drop_obsolete(rows)
        return "skipped"
    connection = redis_store.connection
    if not connection.exists(_handed_marker(rows)):
        if not daily_cap.reserve(registration.email):
            return daily_cap.refuse(rows, registration.email)
        message = render_mail(
            "already_registered",
            subject=_l("Votre demande de création d'espace espace-pro"),
            recipient=registration.email,
            language=registration.preferred_locale,
            registration=registration,
            active=registration.state == RegistrationState.ACTIVE,
            landing_url=public_url_for("main.landing"),
            new_code_url=public_url_for("activation.new_code"),
        )
        try:
            deliver(message)
        except MailDeliveryError as error:
            daily_cap.release(registration.email)
            _delivery_failed(registration, rows, error, MailKind.ALREADY_REGISTERED)
            raise
        connection.set(_handed_marker(rows), 1, ex=HANDED_SECONDS)
        count_handed(MailKind.ALREADY_REGISTERED, rows)
        log.info("already-registered notice handed to SMTP for %s", mask_email(registration.email))
    now = utcnow()
    for row in rows:
        row.sent_at = now
        row.attempts += 1
    db.session.commit()
    return "sent"
