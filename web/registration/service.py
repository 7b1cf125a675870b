"""Turning a complete draft into a registration and its owed mail, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from web.core import metrics
from web.core.i18n import current_language
from web.core.outbox import (
    enqueue_outbox,
    enqueue_owed_mail,
    forget_enqueue,
    job_exists,
    outbox_job_id,
    owe_mail,
)
from web.core.secrets.fingerprint import draft_fingerprint
from web.core.subscribers import PROFILE_COLUMNS, live_registration
from web.extensions import db
from web.models import MailKind, MailOutbox, Registration, RegistrationState, utcnow
from web.registration.wizard import Draft


@dataclass(frozen=True)
class Confirmation:
    """What the waiting page needs; identical whether the address was new or not."""

    email: str
    registration_id: int
    deadline: datetime


def _new_registration(draft: Draft) -> Registration:
    profile = draft.profile
    return Registration(
        state=RegistrationState.PENDING,
        email=draft.email,
        password_hash=draft.password_hash,
        terms_version=draft.terms_version,
        terms_accepted_at=datetime.fromisoformat(draft.terms_accepted_at),
        draft_key=draft_fingerprint(draft.token),
        # The activation mail speaks the language the wizard was walked in.
        preferred_locale=current_language(),
        **{name: profile.get(name) for name in PROFILE_COLUMNS},
    )


def confirm_registration(draft: Draft) -> Confirmation:
    """Save the registration and its outbox row in one commit, then enqueue the mail job.

    The row is committed with its job's id and time, written before the job exists: one
    commit on the way that works. When Redis refuses the job, a second commit says so.
    An address that already has a live space gets no second registration: its owner is
    owed an "already registered" mail instead, and the caller sees the same result.
    """
    draft_key = draft_fingerprint(draft.token)
    for _attempt in range(2):
        existing = live_registration(draft.email)
        if existing is not None and existing.draft_key == draft_key:
            # This same « Valider » again, its first answer lost (a 503 after the commit):
            # the same waiting page, and no « already registered » mail beside the code.
            registration_id = existing.id  # before a commit of the enqueue expires it
            _enqueue_missing_jobs(existing)
            return _confirmation(draft, registration_id)
        if existing is not None:
            registration, kind = existing, MailKind.ALREADY_REGISTERED
        else:
            registration, kind = _new_registration(draft), MailKind.ACTIVATION_CODE
            db.session.add(registration)
        outbox = owe_mail(registration, kind)
        try:
            db.session.flush()
            # Kept before the commit expires them: reading them after would cost SELECTs.
            outbox_id, registration_id = outbox.id, registration.id
            outbox.job_id = outbox_job_id(outbox_id)
            outbox.enqueued_at = utcnow()
            db.session.commit()
            break
        except IntegrityError:
            # Another confirmation for the same address won the race: treat it as existing.
            db.session.rollback()
    else:  # pragma: no cover - a second race on the same address is not expected
        raise RuntimeError("could not confirm the registration")
    if enqueue_owed_mail(outbox_id, registration_id, kind):
        # Not when Redis is down: a metric must not add its own timeout to the page's.
        metrics.count("signups_confirmed")
    else:
        forget_enqueue(outbox_id)
    return _confirmation(draft, registration_id)


def _enqueue_missing_jobs(registration: Registration) -> None:
    """Enqueue the jobs of its unsent mails that Redis does not hold: refused by Redis, or
    lost in an error between the commit and the enqueue (`enqueued_at` is set then). A row
    whose job exists gets no second one: a job taken out of the queue by a draining job
    (mailer/jobs.py) keeps its record while its mail is sent."""
    owed = db.session.scalars(
        select(MailOutbox).where(
            MailOutbox.registration_id == registration.id,
            MailOutbox.sent_at.is_(None),
            MailOutbox.failed_at.is_(None),
        )
    ).all()
    for row in owed:
        if not job_exists(row.id):
            enqueue_outbox(row)


def _confirmation(draft: Draft, registration_id: int) -> Confirmation:
    ttl = timedelta(seconds=current_app.config["ACTIVATION_CODE_TTL_SECONDS"])
    return Confirmation(email=draft.email, registration_id=registration_id, deadline=utcnow() + ttl)
