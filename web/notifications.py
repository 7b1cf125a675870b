"""Mails owed to a subscriber (password changed, recovery link, number reminder).

Each goes through the outbox like the activation code: a row committed first, then a
job with the registration id as its only argument; the worker writes the mail.
"""

from __future__ import annotations

from web.extensions import db
from web.models import MailOutbox, Registration
from web.outbox import enqueue_outbox


def notify(registration: Registration, kind: str) -> None:
    """Owe the subscriber a mail of this kind, and enqueue it after the commit."""
    outbox = MailOutbox(registration_id=registration.id, kind=kind)
    db.session.add(outbox)
    db.session.commit()
    enqueue_outbox(outbox)
