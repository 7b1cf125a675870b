"""The notices: mails that tell a subscriber about their space, and how each is sent.

A feature owes one with `notify`; the worker's job in mailer/notices.py writes it from
its template (`mailer/templates/<kind>.txt` and `.html`) with the subject given here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from web.core.outbox import send_mail
from web.models import MailKind, Registration


@dataclass(frozen=True)
class Notice:
    """A notice's subject, and whether anyone may cause it (then within the daily cap)."""

    subject: str
    capped: bool


NOTICES = {
    # Security notices reach the owner whatever the cap: only they can cause them.
    MailKind.PASSWORD_CHANGED: Notice(_l("Votre mot de passe espace-pro a été modifié"), False),
    MailKind.PASSWORD_RESET: Notice(_l("Votre mot de passe espace-pro a été réinitialisé"), False),
    # Anyone who knows an address (and a number) may ask for these.
    MailKind.RESET_LINK: Notice(_l("Réinitialisation de votre mot de passe espace-pro"), True),
    MailKind.SUBSCRIBER_NUMBER: Notice(_l("Votre numéro d'abonné espace-pro"), True),
}


def notify(registration: Registration, kind: MailKind) -> bool:
    """Owe the subscriber a notice of this kind, commit, then enqueue its job."""
    if kind not in NOTICES:
        raise ValueError(f"{kind!r} is not a notice")
    return send_mail(registration, kind)
