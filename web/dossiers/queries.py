"""Reading the current subscriber's dossiers: every lookup is scoped to its owner."""

from __future__ import annotations

import re

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import selectinload
from stdnum.fr import siren as siren_rules

from web.extensions import db
from web.models import Adhesion, Dossier, Registration

PAGE_SIZE = 20
_SEPARATORS = re.compile(r"[\s.]+")
_DIGITS = re.compile(r"[0-9]+")


def format_siren(siren: str) -> str:
    """A SIREN as people read it: « 732 829 320 »."""
    return siren_rules.format(siren)


def describe(dossier: Dossier) -> str:
    """The dossier in one line, for messages and the history: SIREN — name."""
    siren = format_siren(dossier.siren)
    return f"{siren} — {dossier.label}" if dossier.label else siren


def owned_dossier(registration_id: int, dossier_id: int) -> Dossier:
    """The subscriber's dossier with this id; 404 when absent or someone else's."""
    return db.first_or_404(
        select(Dossier).where(Dossier.id == dossier_id, Dossier.registration_id == registration_id)
    )


def owned_adhesion(registration_id: int, dossier_id: int, adhesion_id: int) -> Adhesion:
    """The adhesion of one of the subscriber's dossiers; 404 otherwise."""
    return db.first_or_404(
        select(Adhesion)
        .join(Dossier)
        .where(
            Adhesion.id == adhesion_id,
            Adhesion.dossier_id == dossier_id,
            Dossier.registration_id == registration_id,
        )
    )


def dossier_count(registration_id: int) -> int:
    """How many dossiers the space holds."""
    return db.session.scalar(
        select(func.count()).select_from(Dossier).where(Dossier.registration_id == registration_id)
    )


def sirens_in_space(registration_id: int) -> set[str]:
    """The SIRENs already in the space."""
    return set(
        db.session.scalars(select(Dossier.siren).where(Dossier.registration_id == registration_id))
    )


def has_siren(registration_id: int, siren: str) -> Dossier | None:
    """The space's dossier with this SIREN, if any."""
    return db.session.scalar(
        select(Dossier).where(Dossier.registration_id == registration_id, Dossier.siren == siren)
    )


def lock_space(registration_id: int) -> None:
    """Serialise additions to one space (PostgreSQL row lock) so the limit holds under races."""
    db.session.execute(
        select(Registration.id).where(Registration.id == registration_id).with_for_update()
    )


def search(registration_id: int, query: str, page: int) -> Pagination:
    """One page of the space's dossiers, named ones A→Z then unnamed, matching `query`."""
    statement = (
        select(Dossier)
        .where(Dossier.registration_id == registration_id)
        .options(selectinload(Dossier.adhesions))
    )
    if query:
        matches = [Dossier.label.icontains(query, autoescape=True)]
        digits = _SEPARATORS.sub("", query)
        if _DIGITS.fullmatch(digits):
            matches.append(Dossier.siren.contains(digits, autoescape=True))
        statement = statement.where(or_(*matches))
    statement = statement.order_by(
        case((Dossier.label == "", 1), else_=0), func.lower(Dossier.label), Dossier.siren
    )
    return db.paginate(statement, page=page, per_page=PAGE_SIZE, error_out=False)
