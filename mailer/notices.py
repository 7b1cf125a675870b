"""RQ jobs for the subscriber's notices: security changes, reset link, number, and the
code that proves a new login address.

Like the activation code, each is sent at most once per owed outbox row, even when RQ
runs the job again (mailer/delivery.py), and only to an active space. Subjects, caps and
what each security notice says come from the catalogue in web/core/notices.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from mailer.delivery import mail_job, send_once
from mailer.render import render_mail
from web.core.notices import NOTICES
from web.core.secrets import address_change
from web.core.secrets.tokens import make_reset_token
from web.core.secrets.unlock import issue_unlock_token
from web.core.urls import public_url_for
from web.domain.masking import mask_ip
from web.extensions import db, redis_store
from web.models import AuditEvent, MailKind, Registration, RegistrationState, utcnow

Context = Callable[[Registration, str], dict[str, Any] | None]


def _send_notice(registration_id: int, kind: MailKind, context: Context | None = None) -> str:
    """Send the owed notice once, from its template and the values `context` gives for the
    registration and the recipient (None: no longer wanted, nothing is sent)."""
    notice = NOTICES[kind]

    def build(registration: Registration, recipient: str):
        values = context(registration, recipient) if context is not None else {}
        if values is None:
            return None
        return render_mail(
            values.pop("template", kind.value),
            subject=notice.subject,
            recipient=recipient,
            registration=registration,
            language=registration.preferred_locale,
            **values,
        )

    return send_once(
        registration_id,
        kind,
        build,
        wanted=lambda registration: registration.state == RegistrationState.ACTIVE,
        capped=notice.capped,
    )


def _latest_event(registration: Registration, kind: str | None) -> AuditEvent | None:
    """The newest history event of this kind: the change the notice reports."""
    return db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.registration_id == registration.id, AuditEvent.kind == kind)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(1)
    )


def _security_notice(registration_id: int, kind: MailKind) -> str:
    """What changed, when (Paris time), from where (masked IP), and what to do if not them."""
    notice = NOTICES[kind]

    def context(registration: Registration, _recipient: str) -> dict[str, Any]:
        event = _latest_event(registration, notice.event)
        return {
            "template": "security_notice",
            "what": notice.what,
            "event_at": event.created_at if event is not None else utcnow(),
            "ip": mask_ip(event.ip) if event is not None and event.ip else "",
            "detail": (event.detail if event is not None else None) or "",
        }

    return _send_notice(registration_id, kind, context)


@mail_job(MailKind.PASSWORD_CHANGED)
def send_password_changed(registration_id: int) -> str:
    """Tell the subscriber their password was changed from the space."""
    return _security_notice(registration_id, MailKind.PASSWORD_CHANGED)


@mail_job(MailKind.PASSWORD_RESET)
def send_password_reset(registration_id: int) -> str:
    """Confirm a password reset made through recovery."""
    return _security_notice(registration_id, MailKind.PASSWORD_RESET)


@mail_job(MailKind.CONTACT_CHANGED)
def send_contact_changed(registration_id: int) -> str:
    """Tell the subscriber their contact details were changed."""
    return _security_notice(registration_id, MailKind.CONTACT_CHANGED)


@mail_job(MailKind.TRUST_CHANGED)
def send_trust_changed(registration_id: int) -> str:
    """Tell the subscriber their trust question was changed."""
    return _security_notice(registration_id, MailKind.TRUST_CHANGED)


@mail_job(MailKind.EMAIL_CHANGE_REQUESTED)
def send_email_change_requested(registration_id: int) -> str:
    """Tell the login address that a move to another address was asked for."""
    return _security_notice(registration_id, MailKind.EMAIL_CHANGE_REQUESTED)


@mail_job(MailKind.EMAIL_CHANGED)
def send_email_changed(registration_id: int) -> str:
    """Tell the former login address that the space moved to another one."""
    return _security_notice(registration_id, MailKind.EMAIL_CHANGED)


@mail_job(MailKind.TWO_STEP_ENABLED)
def send_two_step_enabled(registration_id: int) -> str:
    """Tell the subscriber the authenticator app was turned on."""
    return _security_notice(registration_id, MailKind.TWO_STEP_ENABLED)


@mail_job(MailKind.TWO_STEP_DISABLED)
def send_two_step_disabled(registration_id: int) -> str:
    """Tell the subscriber the authenticator app was turned off."""
    return _security_notice(registration_id, MailKind.TWO_STEP_DISABLED)


@mail_job(MailKind.RECOVERY_CODES_RENEWED)
def send_recovery_codes_renewed(registration_id: int) -> str:
    """Tell the subscriber a new set of recovery codes replaced the old one."""
    return _security_notice(registration_id, MailKind.RECOVERY_CODES_RENEWED)


@mail_job(MailKind.RECOVERY_CODE_USED)
def send_recovery_code_used(registration_id: int) -> str:
    """Tell the subscriber one of their recovery codes was spent."""
    return _security_notice(registration_id, MailKind.RECOVERY_CODE_USED)


@mail_job(MailKind.PASSKEY_ADDED)
def send_passkey_added(registration_id: int) -> str:
    """Tell the subscriber a passkey was added (its name in the detail)."""
    return _security_notice(registration_id, MailKind.PASSKEY_ADDED)


@mail_job(MailKind.PASSKEY_REMOVED)
def send_passkey_removed(registration_id: int) -> str:
    """Tell the subscriber a passkey was removed (its name in the detail)."""
    return _security_notice(registration_id, MailKind.PASSKEY_REMOVED)


@mail_job(MailKind.TWO_STEP_RESET)
def send_two_step_reset(registration_id: int) -> str:
    """Tell the subscriber the operator turned the second step off."""
    return _security_notice(registration_id, MailKind.TWO_STEP_RESET)


@mail_job(MailKind.EMAIL_CHANGE_CODE)
def send_email_change_code(registration_id: int) -> str:
    """Mail the code that proves the new address, while that address is still pending."""

    def context(registration: Registration, recipient: str) -> dict[str, Any] | None:
        code = address_change.issue_code(redis_store.connection, registration.id, recipient)
        return {"code": code} if code is not None else None

    return _send_notice(registration_id, MailKind.EMAIL_CHANGE_CODE, context)


@mail_job(MailKind.EMAIL_IN_USE)
def send_email_in_use(registration_id: int) -> str:
    """Tell a space's owner that another subscriber asked to use their address."""

    def context(registration: Registration, _recipient: str) -> dict[str, Any]:
        event = _latest_event(registration, "email_claimed")
        return {"event_at": event.created_at if event is not None else utcnow()}

    return _send_notice(registration_id, MailKind.EMAIL_IN_USE, context)


@mail_job(MailKind.RESET_LINK)
def send_reset_link(registration_id: int) -> str:
    """Mail a single-use, 1-hour link to choose a new password."""
    return _send_notice(
        registration_id,
        MailKind.RESET_LINK,
        lambda registration, _recipient: {
            "reset_url": public_url_for("recovery.reset", jeton=make_reset_token(registration))
        },
    )


@mail_job(MailKind.SUBSCRIBER_NUMBER)
def send_subscriber_number(registration_id: int) -> str:
    """Mail the subscriber number to the address of an active space."""
    return _send_notice(
        registration_id,
        MailKind.SUBSCRIBER_NUMBER,
        lambda _registration, _recipient: {"login_url": public_url_for("account.login")},
    )


@mail_job(MailKind.UNLOCK_LINK)
def send_unlock_link(registration_id: int) -> str:
    """Mail a single-use, 1-hour link that reopens a login closed to unknown devices."""
    return _send_notice(
        registration_id,
        MailKind.UNLOCK_LINK,
        lambda registration, _recipient: {
            "unlock_url": public_url_for(
                "recovery.unlock",
                jeton=issue_unlock_token(redis_store.connection, registration),
            )
        },
    )
