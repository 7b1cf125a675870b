"""RQ jobs for the subscriber's notices: password changed or reset, reset link, number.

Like the activation code, each is sent at most once per owed outbox row, even when RQ
runs the job again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from flask_mail import Message

from mailer import daily_cap
from mailer.jobs import (
    HANDED_KEY,
    HANDED_SECONDS,
    _delivery_failed,
    _drop_obsolete,
    _unsent,
    count_handed,
)
from mailer.render import render_mail
from mailer.smtp import MailDeliveryError, deliver
from web.domain.masking import mask_email
from web.extensions import db, redis_store
from web.models import MailKind, Registration, RegistrationState, utcnow
from web.recovery_tokens import make_reset_token
from web.urls import public_url_for

log = logging.getLogger("espace_pro.worker")


def _send_once(
    registration_id: int,
    kind: MailKind,
    build: Callable[[Registration], Message],
    capped: bool = False,
) -> str:
    """Send the owed mail of this kind once, to an active subscriber (within the daily
    cap of the address when `capped`: mails anyone may ask for)."""
    registration = db.session.get(Registration, registration_id)
    rows = _unsent(registration_id, kind)
    if registration is None or registration.state != RegistrationState.ACTIVE or not rows:
        _drop_obsolete(rows)
        return "skipped"
    connection = redis_store.connection
    marker = HANDED_KEY.format(rows[-1].id)
    if not connection.exists(marker):
        if capped and not daily_cap.reserve(registration.email):
            return daily_cap.refuse(rows, registration.email)
        try:
            deliver(build(registration))
        except MailDeliveryError as error:
            if capped:
                daily_cap.release(registration.email)
            _delivery_failed(registration, rows, error, kind)
            raise
        connection.set(marker, 1, ex=HANDED_SECONDS)
        count_handed(kind, rows)
        log.info("%s handed to SMTP for %s", kind, mask_email(registration.email))
    now = utcnow()
    for row in rows:
        row.sent_at = now
        row.attempts += 1
    db.session.commit()
    return "sent"


def send_password_changed(registration_id: int) -> str:
    """Tell the subscriber their password was changed from the space."""
    return _send_once(
        registration_id,
        MailKind.PASSWORD_CHANGED,
        lambda registration: render_mail(
            "password_changed",
            subject=_l("Votre mot de passe espace-pro a été modifié"),
            recipient=registration.email,
            registration=registration,
            language=registration.preferred_locale,
            changed_at=utcnow(),
            recovery_url=public_url_for("recovery.forgot_password"),
        ),
    )


def send_password_reset(registration_id: int) -> str:
    """Confirm a password reset made through recovery."""
    return _send_once(
        registration_id,
        MailKind.PASSWORD_RESET,
        lambda registration: render_mail(
            "password_reset",
            subject=_l("Votre mot de passe espace-pro a été réinitialisé"),
            recipient=registration.email,
            registration=registration,
            language=registration.preferred_locale,
            changed_at=utcnow(),
            recovery_url=public_url_for("recovery.forgot_password"),
        ),
    )


def send_reset_link(registration_id: int) -> str:
    """Mail a single-use, 1-hour link to choose a new password."""
    return _send_once(
        registration_id,
        MailKind.RESET_LINK,
        lambda registration: render_mail(
            "reset_link",
            subject=_l("Réinitialisation de votre mot de passe espace-pro"),
            recipient=registration.email,
            registration=registration,
            language=registration.preferred_locale,
            reset_url=public_url_for("recovery.reset", jeton=make_reset_token(registration)),
        ),
        capped=True,
    )


def send_subscriber_number(registration_id: int) -> str:
    """Mail the subscriber number to the address of an active space."""
    return _send_once(
        registration_id,
        MailKind.SUBSCRIBER_NUMBER,
        lambda registration: render_mail(
            "subscriber_number",
            subject=_l("Votre numéro d'abonné espace-pro"),
            recipient=registration.email,
            registration=registration,
            language=registration.preferred_locale,
            login_url=public_url_for("account.login"),
        ),
        capped=True,
    )
