"""Builders of registrations in every state: made in the database, or through the pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support import (
    EMAIL,
    PASSWORD,
    SUBSCRIBER_NUMBER,
    VALID_SIREN,
    WizardActions,
    code_from,
    post_form,
)
from web.core.secrets.hashing import hash_secret, hasher
from web.core.subscribers import PERSONAL_COLUMNS
from web.core.terms import TERMS_VERSION
from web.extensions import db
from web.models import Dossier, Registration, RegistrationState

NOW = datetime(2026, 11, 2, 9, 30)
CODE_TTL = timedelta(hours=48)
# The trust answer as the wizard normalises it before hashing ("Caramel des Prés").
NORMALISED_TRUST_ANSWER = "caramel des pres"
PROFILE_FIELDS = {
    "civility": "mme",
    "last_name": "Lefèvre",
    "first_name": "Hélène",
    "foreign_company": False,
    "company_id": VALID_SIREN,
    "phone": "+33612345678",
    "street_number": "12 bis",
    "street_type": "rue",
    "street_name": "des Lilas",
    "postal_code": "75011",
    "city": "Paris",
    "country": "FR",
    "trust_question": "first_pet",
}


def state_fields(state: str, number: str | None = SUBSCRIBER_NUMBER) -> dict:
    """The dates (and number) a registration has in `state`, taken at NOW."""
    if state == RegistrationState.CODE_SENT:
        return {"code_sent_at": NOW, "code_expires_at": NOW + CODE_TTL}
    if state == RegistrationState.ACTIVE:
        return {"code_sent_at": NOW, "activated_at": NOW, "subscriber_number": number}
    if state == RegistrationState.EXPIRED:
        # As the maintenance job leaves it: personal data erased, the address free again.
        erased = dict.fromkeys(PERSONAL_COLUMNS)
        return {**erased, "code_sent_at": NOW, "code_expires_at": NOW, "expired_at": NOW}
    return {}  # pending, mail_failed: no code reached the person


def build_registration(
    state: str = RegistrationState.ACTIVE,
    email: str = EMAIL,
    number: str | None = SUBSCRIBER_NUMBER,
    **overrides,
) -> Registration:
    """A registration in `state` with every wizard field filled (not added to a session).

    Secrets are hashed as the wizard stores them: call it in an app context.
    """
    fields = {
        "state": state,
        "email": email,
        "password_hash": hash_secret(hasher(), PASSWORD),
        "terms_version": TERMS_VERSION,
        "terms_accepted_at": NOW,
        **PROFILE_FIELDS,
        "contact_email": email,
        "trust_answer_hash": hash_secret(hasher(), NORMALISED_TRUST_ANSWER),
        "created_at": NOW,
        **state_fields(state, number),
    }
    fields.update(overrides)
    return Registration(**fields)


def create_registration(app: Flask, state: str = RegistrationState.ACTIVE, **overrides) -> int:
    """Insert a registration in `state` (see build_registration); return its id."""
    with app.app_context():
        registration = build_registration(state, **overrides)
        db.session.add(registration)
        db.session.commit()
        return registration.id


def create_subscriber(app: Flask, email: str = EMAIL, number: str = SUBSCRIBER_NUMBER) -> int:
    """Insert an active subscriber (password, trust answer, subscriber number); return its id."""
    return create_registration(app, RegistrationState.ACTIVE, email=email, number=number)


def create_active_space(app: Flask, with_dossier: bool = False) -> tuple[int, int | None]:
    """Insert an active space (and one dossier); return (registration id, dossier id)."""
    registration_id = create_subscriber(app)
    if not with_dossier:
        return registration_id, None
    with app.app_context():
        dossier = Dossier(
            registration_id=registration_id, siren=VALID_SIREN, label="Boulangerie des Lilas"
        )
        db.session.add(dossier)
        db.session.commit()
        return registration_id, dossier.id


def activate_through_pages(
    app: Flask,
    outbox: list,
    run_worker: Callable[[], None],
    email: str = EMAIL,
    client: FlaskClient | None = None,
    password: str = PASSWORD,
    **profile,
) -> Registration:
    """Sign up (on `client`, else a new browser), activate with the mailed code; detached."""
    before = len(outbox)
    WizardActions(client or app.test_client()).complete(email, password, **profile)
    run_worker()
    mails = [mail for mail in outbox[before:] if mail["To"] == email]
    assert len(mails) == 1, f"no activation mail for {email}"
    post_form(app.test_client(), "/activation/", {"email": email, "code": code_from(mails[0])})
    del outbox[before:]
    with app.app_context():
        registration = db.session.scalar(select(Registration).where(Registration.email == email))
        assert registration.state == "active"
        db.session.expunge(registration)
        return registration
