"""Registrations and subscribers as the features look them up, and the states they share."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from web.extensions import db
from web.models import Adhesion, Dossier, Registration, RegistrationState

# A registration waiting for its activation: a code is owed, on its way or failed to go.
PENDING_STATES = (
    RegistrationState.PENDING,
    RegistrationState.CODE_SENT,
    RegistrationState.MAIL_FAILED,
)
# The registration's personal columns, as the wizard's step 3 and the space's pages group them.
IDENTITY_COLUMNS = ("civility", "last_name", "first_name")
CONTACT_COLUMNS = (
    "phone",
    "contact_email",
    "street_number",
    "street_type",
    "street_name",
    "address_complement",
    "postal_code",
    "city",
    "country",
)
TRUST_COLUMNS = ("trust_question", "trust_answer_hash")
# What step 3 fills in, in the form's order.
PROFILE_COLUMNS = (
    *IDENTITY_COLUMNS,
    "foreign_company",
    "company_id",
    *CONTACT_COLUMNS,
    *TRUST_COLUMNS,
)
# Erased when a space expires unactivated: nothing personal outlives the 48 h.
PERSONAL_COLUMNS = (
    "email",
    "password_hash",
    *IDENTITY_COLUMNS,
    "company_id",
    *CONTACT_COLUMNS,
    *TRUST_COLUMNS,
)


def live_registration(email: str) -> Registration | None:
    """The address's pending or active registration, if it has one."""
    return db.session.scalar(
        select(Registration).where(
            Registration.email == email, Registration.state != RegistrationState.EXPIRED
        )
    )


def active_subscriber(email: str) -> Registration | None:
    """The active space of this address, if it has one."""
    return db.session.scalar(
        select(Registration).where(
            Registration.email == email, Registration.state == RegistrationState.ACTIVE
        )
    )


def registration_by_id(registration_id: int) -> Registration | None:
    """A registration that still exists and has not expired."""
    return db.session.scalar(
        select(Registration).where(
            Registration.id == registration_id, Registration.state != RegistrationState.EXPIRED
        )
    )


@dataclass(frozen=True)
class DossierSummary:
    """What the space's home says of the dossiers: how many, the latest, services joined."""

    count: int
    latest: Dossier | None
    adhesions: int


def dossier_summary(registration_id: int) -> DossierSummary:
    """The subscriber's dossiers in three figures (the home page's next step)."""
    count = db.session.scalar(
        select(func.count()).select_from(Dossier).where(Dossier.registration_id == registration_id)
    )
    latest = db.session.scalar(
        select(Dossier)
        .where(Dossier.registration_id == registration_id)
        .order_by(Dossier.created_at.desc(), Dossier.id.desc())
        .limit(1)
    )
    adhesions = db.session.scalar(
        select(func.count())
        .select_from(Adhesion)
        .join(Dossier)
        .where(Dossier.registration_id == registration_id, Adhesion.withdrawn_at.is_(None))
    )
    return DossierSummary(count or 0, latest, adhesions or 0)
