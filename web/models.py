"""Durable truth: registrations and the mail outbox."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import ClassVar

from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from web.extensions import db


def utcnow() -> datetime:
    """Now, as a naive UTC datetime (what SQLite and PostgreSQL both give back)."""
    return datetime.now(UTC).replace(tzinfo=None)


class RegistrationState(enum.StrEnum):
    """Where a registration stands in its life cycle (see docs/DESIGN)."""

    PENDING = "pending"
    CODE_SENT = "code_sent"
    MAIL_FAILED = "mail_failed"
    ACTIVE = "active"
    EXPIRED = "expired"


class Registration(UserMixin, db.Model):
    """A confirmed sign-up, from pending to active (or expired); active, it is the subscriber."""

    __tablename__ = "registration"
    # Set by the login session loader: Flask-Login's id is the server-side session id.
    login_session: ClassVar[str | None] = None

    def get_id(self) -> str | None:
        """The login session id (never the registration id), as Flask-Login stores it."""
        return self.login_session

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default=RegistrationState.PENDING, index=True)
    # Normalised (lower-case) login address; erased with the rest when the space expires.
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    terms_version: Mapped[str] = mapped_column(String(16))
    terms_accepted_at: Mapped[datetime] = mapped_column(DateTime)
    # The keyed hash of the wizard draft confirmed into this registration (idempotent « Valider »).
    draft_key: Mapped[str | None] = mapped_column(String(32))

    civility: Mapped[str | None] = mapped_column(String(8))
    last_name: Mapped[str | None] = mapped_column(String(80))
    first_name: Mapped[str | None] = mapped_column(String(80))

    foreign_company: Mapped[bool] = mapped_column(Boolean, default=False)
    company_id: Mapped[str | None] = mapped_column(String(30))

    phone: Mapped[str | None] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    street_number: Mapped[str | None] = mapped_column(String(10))
    street_type: Mapped[str | None] = mapped_column(String(20))
    street_name: Mapped[str | None] = mapped_column(String(120))
    address_complement: Mapped[str | None] = mapped_column(String(120))
    postal_code: Mapped[str | None] = mapped_column(String(12))
    city: Mapped[str | None] = mapped_column(String(80))
    country: Mapped[str | None] = mapped_column(String(2))

    trust_question: Mapped[str | None] = mapped_column(String(32))
    trust_answer_hash: Mapped[str | None] = mapped_column(String(255))

    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    code_sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    code_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    activated_at: Mapped[datetime | None] = mapped_column(DateTime)
    expired_at: Mapped[datetime | None] = mapped_column(DateTime)
    subscriber_number: Mapped[str | None] = mapped_column(String(14), unique=True)
    # The language of the mails ("fr", "en"): the sign-up's, then the last login's or switch's.
    preferred_locale: Mapped[str | None] = mapped_column(String(5))
    # Two-step login, authenticator app (web/core/two_step.py): the TOTP secret sealed with
    # Fernet (a key derived from SECRET_KEY), never in clear; the last accepted time step
    # (a code is accepted once); when it was turned on.
    totp_secret_sealed: Mapped[str | None] = mapped_column(String(255))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    two_step_enabled_at: Mapped[datetime | None] = mapped_column(DateTime)

    outbox: Mapped[list[MailOutbox]] = relationship(back_populates="registration")

    __table_args__ = (
        # One live space per address; an expired one frees it (invariant: one space per address).
        Index(
            "uq_registration_live_email",
            "email",
            unique=True,
            sqlite_where=text("state != 'expired'"),
            postgresql_where=text("state != 'expired'"),
        ),
    )


class MailKind(enum.StrEnum):
    """What an outbox row asks the worker to send."""

    ACTIVATION_CODE = "activation_code"
    ALREADY_REGISTERED = "already_registered"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a mail kind
    RESET_LINK = "reset_link"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a mail kind
    SUBSCRIBER_NUMBER = "subscriber_number"
    CONTACT_CHANGED = "contact_changed"
    TRUST_CHANGED = "trust_changed"
    EMAIL_CHANGE_REQUESTED = "email_change_requested"
    EMAIL_CHANGE_CODE = "email_change_code"
    EMAIL_CHANGED = "email_changed"
    EMAIL_IN_USE = "email_in_use"
    UNLOCK_LINK = "unlock_link"
    TWO_STEP_ENABLED = "two_step_enabled"
    TWO_STEP_DISABLED = "two_step_disabled"
    RECOVERY_CODES_RENEWED = "recovery_codes_renewed"
    RECOVERY_CODE_USED = "recovery_code_used"
    PASSKEY_ADDED = "passkey_added"
    PASSKEY_REMOVED = "passkey_removed"
    TWO_STEP_RESET = "two_step_reset"


class MailOutbox(db.Model):
    """A mail owed to a registration, written in the same transaction as the change."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    # Another address than the space's login address (the old one, or a new one to prove).
    recipient: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(DateTime)
    job_id: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    failed_at: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    registration: Mapped[Registration] = relationship(back_populates="outbox")


class SubscriberCounter(db.Model):
    """One row per issued subscriber number: its id is the number's 7-digit counter.

    An autoincrement id is unique under concurrency and never reused (SQLite
    AUTOINCREMENT, PostgreSQL identity), and one registration gets one row at most.
    """

    __tablename__ = "subscriber_counter"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), unique=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Dossier(db.Model):
    """A company (by SIREN) the subscriber acts for."""

    __tablename__ = "dossier"
    __table_args__ = (UniqueConstraint("registration_id", "siren"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), index=True)
    siren: Mapped[str] = mapped_column(String(9))
    label: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    adhesions: Mapped[list[Adhesion]] = relationship(
        back_populates="dossier", cascade="all, delete-orphan", order_by="Adhesion.id"
    )


class Adhesion(db.Model):
    """Adhesion of a dossier to one online service, until withdrawn."""

    __tablename__ = "adhesion"
    __table_args__ = (
        # One current adhesion per service and dossier; withdrawn ones stay as history.
        Index(
            "uq_adhesion_current",
            "dossier_id",
            "service",
            unique=True,
            sqlite_where=text("withdrawn_at IS NULL"),
            postgresql_where=text("withdrawn_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    service: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(24))
    adhered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)

    dossier: Mapped[Dossier] = relationship(back_populates="adhesions")


class AuditEvent(db.Model):
    """One line of a subscriber's « Historique »: what happened, when, from where."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(String(255))
    ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class RecoveryCode(db.Model):
    """One of a subscriber's single-use recovery codes, kept only as a keyed hash."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), index=True)
    # HMAC-SHA256 (key derived from SECRET_KEY) of the registration id and the normalised code.
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class Passkey(db.Model):
    """A subscriber's passkey (WebAuthn credential), one of the second steps of the login.

    Only public material: the credential's id (base64url) and its COSE public key; the
    private key never leaves the authenticator.
    """

    __tablename__ = "passkey"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), index=True)
    # base64url of the raw id (at most 1023 bytes: 1364 characters)
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    # An unsigned 32-bit counter: beyond PostgreSQL's INTEGER.
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    transports: Mapped[str | None] = mapped_column(String(100))  # "internal,hybrid"
    name: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
