"""RQ jobs for the subscriber's notices: password changed or reset, reset link, number.

Like the activation code, each is sent at most once per owed outbox row, even when RQ
runs the job again (mailer/delivery.py), and only to an active space. Subjects and caps
come from the catalogue in web/core/notices.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mailer.delivery import send_once
from mailer.render import render_mail
from web.core.notices import NOTICES
from web.core.outbox import mail_job
from web.core.secrets.tokens import make_reset_token
from web.core.urls import public_url_for
from web.models import MailKind, Registration, RegistrationState, utcnow


def _send_notice(
    registration_id: int, kind: MailKind, **values: Callable[[Registration], Any]
) -> str:
    """Send the owed notice once; each template value is computed from the registration."""
    notice = NOTICES[kind]
    return send_once(
        registration_id,
        kind,
        lambda registration: render_mail(
            kind.value,
            subject=notice.subject,
            recipient=registration.email,
            registration=registration,
            language=registration.preferred_locale,
            **{name: value(registration) for name, value in values.items()},
        ),
        wanted=lambda registration: registration.state == RegistrationState.ACTIVE,
        capped=notice.capped,
    )


def _password_notice(registration_id: int, kind: MailKind) -> str:
    return _send_notice(
        registration_id,
        kind,
        changed_at=lambda _registration: utcnow(),
        recovery_url=lambda _registration: public_url_for("recovery.forgot_password"),
    )


@mail_job(MailKind.PASSWORD_CHANGED)
def send_password_changed(registration_id: int) -> str:
    """Tell the subscriber their password was changed from the space."""
    return _password_notice(registration_id, MailKind.PASSWORD_CHANGED)


@mail_job(MailKind.PASSWORD_RESET)
def send_password_reset(registration_id: int) -> str:
    """Confirm a password reset made through recovery."""
    return _password_notice(registration_id, MailKind.PASSWORD_RESET)


@mail_job(MailKind.RESET_LINK)
def send_reset_link(registration_id: int) -> str:
    """Mail a single-use, 1-hour link to choose a new password."""
    return _send_notice(
        registration_id,
        MailKind.RESET_LINK,
        reset_url=lambda registration: public_url_for(
            "recovery.reset", jeton=make_reset_token(registration)
        ),
    )


@mail_job(MailKind.SUBSCRIBER_NUMBER)
def send_subscriber_number(registration_id: int) -> str:
    """Mail the subscriber number to the address of an active space."""
    return _send_notice(
        registration_id,
        MailKind.SUBSCRIBER_NUMBER,
        login_url=lambda _registration: public_url_for("account.login"),
    )
