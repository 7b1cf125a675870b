"""RQ jobs of the sign-up: the activation code, and the notice to an address that has a space.

Jobs take plain ids and run inside the worker's app context. Each is safe to run twice:
RQ delivers at least once (mailer/delivery.py).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from mailer import daily_cap
from mailer.delivery import (
    already_handed,
    drop_obsolete,
    hand_off,
    mail_job,
    mark_sent,
    send_once,
    unsent,
)
from mailer.render import render_mail
from web.core.secrets import codes, links
from web.core.subscribers import PENDING_STATES
from web.core.urls import public_url_for
from web.extensions import db, redis_store
from web.models import MailKind, MailOutbox, Registration, RegistrationState, utcnow

log = logging.getLogger("espace_pro.worker")


def _code_ttl() -> int:
    return current_app.config["ACTIVATION_CODE_TTL_SECONDS"]


@mail_job(MailKind.ACTIVATION_CODE)
def send_activation_code(registration_id: int) -> str:
    """Send a new activation code: the only valid one, for its TTL from the SMTP hand-off."""
    registration = db.session.get(Registration, registration_id)
    rows = unsent(registration_id, MailKind.ACTIVATION_CODE)
    if registration is None or registration.state not in PENDING_STATES:
        drop_obsolete(rows)
        log.info("activation code for registration %s skipped: no longer pending", registration_id)
        return "skipped"
    if not rows:
        log.info("activation code for registration %s already sent", registration_id)
        return "already sent"
    if already_handed(rows):
        # A retry of a job whose mail went out but whose bookkeeping did not commit.
        _mark_code_sent(registration, rows, utcnow())
        return "already sent"
    if not daily_cap.reserve(registration.email):
        # Before a new code is stored: the code already mailed, if any, stays valid.
        return daily_cap.refuse(rows, registration.email)

    connection = redis_store.connection
    ttl = _code_ttl()
    code = codes.generate_code()
    digest = codes.code_digest(current_app.config["SECRET_KEY"], registration.id, code)
    # Stored before sending (with slack) so the code works the moment it arrives; the
    # 48 h window itself starts at the hand-off below. Any earlier code stops working.
    codes.store_code(connection, registration.id, digest, ttl + 3600)
    # The link lives with this code (links.py): kept as long as the code's key at most.
    link_token = links.issue_link(connection, registration.id, digest, ttl + 3600)
    message = render_mail(
        "activation_code",
        subject=_l("Votre code d'activation espace-pro"),
        recipient=registration.email,
        language=registration.preferred_locale,
        code=code,
        # The code it replaces was burned by wrong tries: say so, the owner may not know.
        burned=codes.was_burned(connection, registration.id),
        deadline=utcnow() + timedelta(seconds=ttl),
        registration=registration,
        activation_url=public_url_for("activation.activate", jeton=link_token),
    )
    handed_at = hand_off(
        registration,
        rows,
        MailKind.ACTIVATION_CODE,
        message,
        capped=True,
        then=lambda: codes.set_code_expiry(connection, registration.id, ttl),
    )
    codes.forget_burned(connection, registration.id)
    _mark_code_sent(registration, rows, handed_at)
    return "sent"


def _mark_code_sent(
    registration: Registration, rows: list[MailOutbox], handed_at: datetime
) -> None:
    mark_sent(rows, handed_at)
    # Conditional, not through the object read before sending: the subscriber may already
    # have activated with this code (the mail arrives before this commit), and an active
    # space must stay active (found by tests/scale/test_two_web_three_workers.py).
    db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.state.in_(PENDING_STATES))
        .values(
            state=RegistrationState.CODE_SENT,
            code_sent_at=handed_at,
            code_expires_at=handed_at + timedelta(seconds=_code_ttl()),
        )
    )
    db.session.commit()


@mail_job(MailKind.ALREADY_REGISTERED)
def send_already_registered(registration_id: int) -> str:
    """Tell an address's owner that someone asked for a space it already has."""
    return send_once(
        registration_id,
        MailKind.ALREADY_REGISTERED,
        lambda registration, recipient: render_mail(
            "already_registered",
            subject=_l("Votre demande de création d'espace espace-pro"),
            recipient=recipient,
            language=registration.preferred_locale,
            registration=registration,
            active=registration.state == RegistrationState.ACTIVE,
            login_url=public_url_for("account.login"),
            new_code_url=public_url_for("activation.new_code"),
        ),
        wanted=lambda registration: registration.state != RegistrationState.EXPIRED,
        capped=True,
    )
