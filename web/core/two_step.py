"""Two-step login: the authenticator app (TOTP, RFC 6238), recovery codes, and the
state between a correct password and the second step.

The contract other methods code against (passkeys register themselves with
`register_method`): `enabled_methods`, `is_enabled`, the pending login (`begin`,
`pending_registration`, `pending_device`, `clear_pending`), `verify_code` and
`issue_recovery_codes`.

Secrets: the TOTP secret is sealed with Fernet under a key derived from SECRET_KEY (in the
database once enrolled, in Redis for the ten minutes of an enrolment); recovery codes are
kept as HMAC-SHA256 (a key derived from SECRET_KEY) of the registration id and the code,
and their clear text only sealed in Redis for the one display after they are made. Redis
keys carry random references or registration ids, never an address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, session
from sqlalchemy import delete, func, or_, select, update

from web.core import audit
from web.core.login_throttle import Verdict, count_failure, counter_verdict
from web.core.notices import notify
from web.core.secrets.codes import ALPHABET, normalise_code
from web.extensions import db, redis_store
from web.models import MailKind, RecoveryCode, Registration, RegistrationState, utcnow

ISSUER = "espace-pro"
STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1  # one step of clock drift either way
PENDING_SECONDS = 5 * 60
ENROL_SECONDS = 10 * 60
SHOWN_CODES_SECONDS = 10 * 60
RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 10  # 10 x 5 bits = 50 bits each, from a CSPRNG
RECOVERY_GROUP = 5
MAX_CODE_LENGTH = 64  # longer input is refused before any work

PENDING_KEY = "two_step:pending:{}"
ENROL_KEY = "two_step:enrol:{}"
SHOWN_CODES_KEY = "two_step:codes:{}"
FAIL_KEY = "two_step:fail:{}"  # by registration id
SESSION_PENDING = "two_step_pending"
SESSION_ENROL = "two_step_enrol"
SESSION_CODES = "two_step_codes"
_TOTP_CODE = re.compile(r"[0-9]{6}")

Enabled = Callable[[Registration], bool]
Reset = Callable[[Registration], None]


@dataclass(frozen=True)
class _Method:
    enabled: Enabled
    reset: Reset | None = None


_METHODS: dict[str, _Method] = {}


# --- methods -------------------------------------------------------------------------------


def register_method(name: str, enabled: Enabled, reset: Reset | None = None) -> None:
    """Add a second-step method besides the authenticator app ("passkey"): `enabled` says
    whether a subscriber has it on; `reset`, if given, removes it (the operator's
    `ops reset-two-step`, in the caller's transaction)."""
    _METHODS[name] = _Method(enabled, reset)


def has_totp(registration: Registration) -> bool:
    """True when the authenticator app is on."""
    return bool(registration.totp_secret_sealed)


def enabled_methods(registration: Registration) -> set[str]:
    """The second-step methods the subscriber has on: "totp" and registered ones."""
    methods = {"totp"} if has_totp(registration) else set()
    methods.update(name for name, method in _METHODS.items() if method.enabled(registration))
    return methods


def is_enabled(registration: Registration) -> bool:
    """True when a password alone no longer opens this space."""
    return bool(enabled_methods(registration))


def required() -> bool:
    """The instance's REQUIRE_TWO_STEP: every subscriber enrols before reaching the space."""
    return bool(current_app.config.get("REQUIRE_TWO_STEP"))


# --- sealing ---------------------------------------------------------------------------------


def _fernet() -> Fernet:
    key = hmac.new(
        current_app.config["SECRET_KEY"].encode(),
        b"espace-pro two-step secret key",
        hashlib.sha256,
    ).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _seal(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def _unseal(token: str | bytes | None) -> str | None:
    if not token:
        return None
    try:
        return _fernet().decrypt(token if isinstance(token, bytes) else token.encode()).decode()
    except InvalidToken:
        return None


def _session_value(session_key: str, redis_key: str) -> tuple[str | None, bytes | None]:
    reference = session.get(session_key)
    if not isinstance(reference, str):
        return None, None
    return reference, redis_store.connection.get(redis_key.format(reference))


def _new_reference(session_key: str, redis_key: str, value: str, seconds: int) -> None:
    old = session.get(session_key)
    connection = redis_store.connection
    if isinstance(old, str):
        connection.delete(redis_key.format(old))
    reference = secrets.token_urlsafe(24)
    connection.set(redis_key.format(reference), value, ex=seconds)
    session[session_key] = reference


# --- the pending login -----------------------------------------------------------------------


def begin(registration: Registration, device: str | None) -> None:
    """After a correct password: the login waits for its second step, 5 minutes at most,
    in Redis under a random reference that only this browser's signed session holds."""
    value = json.dumps({"id": registration.id, "device": device, "at": time.time()})
    _new_reference(SESSION_PENDING, PENDING_KEY, value, PENDING_SECONDS)


def _pending() -> dict | None:
    _reference, raw = _session_value(SESSION_PENDING, PENDING_KEY)
    if raw is None:
        return None
    data = json.loads(raw)
    if time.time() - data["at"] > PENDING_SECONDS:
        return None
    return data


def pending_registration() -> Registration | None:
    """The active subscriber whose login waits for its second step in this session, or
    None (nothing pending, expired, or not this browser's)."""
    data = _pending()
    if data is None:
        return None
    registration = db.session.get(Registration, data["id"])
    if registration is None or registration.state != RegistrationState.ACTIVE:
        return None
    return registration


def pending_device() -> str | None:
    """The login's trusted device id (web/core/trusted_devices.py), if it had one."""
    data = _pending()
    return data.get("device") if data else None


def clear_pending() -> None:
    """The pending login is over (done, abandoned or expired)."""
    reference = session.pop(SESSION_PENDING, None)
    if isinstance(reference, str):
        redis_store.connection.delete(PENDING_KEY.format(reference))


# --- TOTP ------------------------------------------------------------------------------------


def _step(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // STEP_SECONDS)


def _matching_step(secret: str, code: str) -> int | None:
    """The time step (now, or one either side) whose code this is, else None."""
    if not _TOTP_CODE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    now = _step()
    found = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step  # the latest match wins: a later step is never accepted twice
    return found


def totp_secret(registration: Registration) -> str | None:
    """The enrolled secret, unsealed (only for checking a code)."""
    return _unseal(registration.totp_secret_sealed)


def _accept_step(registration: Registration, step: int) -> bool:
    """Atomically record the accepted step; False when it (or a later one) was used."""
    result = db.session.execute(
        update(Registration)
        .where(
            Registration.id == registration.id,
            or_(Registration.totp_last_step.is_(None), Registration.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _clean(code: str | None) -> str:
    if not code or len(code) > MAX_CODE_LENGTH:
        return ""
    # Full-width digits (a Japanese keyboard) are the same digits; anything else non-ASCII
    # can match nothing.
    code = unicodedata.normalize("NFKC", code)
    return "".join(ch for ch in code if ch not in " -\t\u00a0") if code.isascii() else ""


def verify_totp(registration: Registration, code: str) -> bool:
    """A current (±1 step), not yet used code of the enrolled app; the step is spent."""
    secret = totp_secret(registration)
    step = _matching_step(secret, _clean(code)) if secret else None
    return step is not None and _accept_step(registration, step)


def verify_code(registration: Registration, code: str) -> str | None:
    """Returns "totp" for a current, unused app code; "recovery" for an unused recovery code (now
    spent: history event and notice owed); None otherwise. Throttling is the caller's."""
    cleaned = _clean(code)
    if not cleaned:
        return None
    if _TOTP_CODE.fullmatch(cleaned):
        return "totp" if has_totp(registration) and verify_totp(registration, cleaned) else None
    if _use_recovery_code(registration, cleaned):
        return "recovery"
    return None


# --- enrolment -------------------------------------------------------------------------------


def enrolment_secret(create: bool = True) -> str | None:
    """The secret being enrolled in this session (sealed in Redis for 10 minutes); a new
    one when there is none and `create`."""
    _reference, raw = _session_value(SESSION_ENROL, ENROL_KEY)
    secret = _unseal(raw)
    if secret is None and create:
        secret = pyotp.random_base32(32)  # 160 bits, as RFC 4226 recommends
        _new_reference(SESSION_ENROL, ENROL_KEY, _seal(secret), ENROL_SECONDS)
    return secret


def provisioning_uri(secret: str, account: str) -> str:
    """The otpauth:// URI authenticator apps read from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=ISSUER
    )


def qr_svg(uri: str, title: str) -> str:
    """The QR code as an inline SVG (drawn on the server: no script)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=4, title=title)


def grouped(secret: str) -> str:
    """The key for manual entry, in groups of four."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm_enrolment(registration: Registration, code: str) -> bool:
    """Turn the app on when `code` is current for the secret being enrolled: the secret is
    sealed on the space, recorded, noticed; a first set of recovery codes is made."""
    secret = enrolment_secret(create=False)
    step = _matching_step(secret, _clean(code)) if secret else None
    if step is None:
        return False
    registration.totp_secret_sealed = _seal(secret)
    registration.totp_last_step = step
    registration.two_step_enabled_at = utcnow()
    audit.record(registration.id, "two_step_enabled")
    reference = session.pop(SESSION_ENROL, None)
    if isinstance(reference, str):
        redis_store.connection.delete(ENROL_KEY.format(reference))
    issue_recovery_codes(registration)  # commits
    notify(registration, MailKind.TWO_STEP_ENABLED)
    return True


def disable_totp(registration: Registration, event: str = "two_step_disabled") -> None:
    """Turn the app off (the caller checked password and code): recorded and noticed; the
    recovery codes go too when no other method is left."""
    registration.totp_secret_sealed = None
    registration.totp_last_step = None
    registration.two_step_enabled_at = None
    if not is_enabled(registration):
        db.session.execute(
            delete(RecoveryCode).where(RecoveryCode.registration_id == registration.id)
        )
    audit.record(registration.id, event)
    notify(registration, MailKind.TWO_STEP_DISABLED)


def reset_all(registration: Registration, detail: str | None = None) -> None:
    """The operator's reset: every method and recovery code removed, recorded, noticed."""
    registration.totp_secret_sealed = None
    registration.totp_last_step = None
    registration.two_step_enabled_at = None
    for method in _METHODS.values():
        if method.reset is not None:
            method.reset(registration)
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.registration_id == registration.id))
    audit.record(registration.id, "two_step_reset", detail=detail)
    clear_failures(registration)
    notify(registration, MailKind.TWO_STEP_RESET)


# --- recovery codes --------------------------------------------------------------------------


def _recovery_key() -> bytes:
    return hmac.new(
        current_app.config["SECRET_KEY"].encode(), b"espace-pro recovery code key", hashlib.sha256
    ).digest()


def _recovery_hash(registration_id: int, code: str) -> str:
    message = f"{registration_id}:{normalise_code(code)}".encode()
    return hmac.new(_recovery_key(), message, hashlib.sha256).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return "-".join(raw[i : i + RECOVERY_GROUP] for i in range(0, len(raw), RECOVERY_GROUP))


def issue_recovery_codes(registration: Registration) -> None:
    """A new set of 10 codes (the old set dies), committed; the clear codes are sealed in
    Redis for this session, 10 minutes, for `new_recovery_codes` to show once."""
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.registration_id == registration.id))
    db.session.add_all(
        RecoveryCode(registration_id=registration.id, code_hash=_recovery_hash(registration.id, c))
        for c in codes
    )
    db.session.commit()
    payload = json.dumps({"id": registration.id, "codes": codes})
    _new_reference(SESSION_CODES, SHOWN_CODES_KEY, _seal(payload), SHOWN_CODES_SECONDS)


def shown_recovery_codes(registration: Registration) -> list[str] | None:
    """The codes just made for this subscriber in this session, while they may be shown."""
    _reference, raw = _session_value(SESSION_CODES, SHOWN_CODES_KEY)
    opened = _unseal(raw)
    if opened is None:
        return None
    data = json.loads(opened)
    return data["codes"] if data["id"] == registration.id else None


def forget_shown_codes() -> None:
    """The subscriber has noted the codes: their clear text is gone for good."""
    reference = session.pop(SESSION_CODES, None)
    if isinstance(reference, str):
        redis_store.connection.delete(SHOWN_CODES_KEY.format(reference))


def remaining_recovery_codes(registration: Registration) -> int:
    """How many unused recovery codes the subscriber has."""
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.registration_id == registration.id, RecoveryCode.used_at.is_(None))
    )


def _use_recovery_code(registration: Registration, code: str) -> bool:
    normalised = normalise_code(code)
    if len(normalised) != RECOVERY_CODE_LENGTH or any(ch not in ALPHABET for ch in normalised):
        return False
    result = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.registration_id == registration.id,
            RecoveryCode.code_hash == _recovery_hash(registration.id, normalised),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    audit.record(registration.id, "recovery_code_used")
    notify(registration, MailKind.RECOVERY_CODE_USED)  # commits the spent code with it
    return True


# --- throttling (wrong codes, like wrong passwords) -------------------------------------------


def may_try(registration: Registration) -> Verdict:
    """Whether a code may be checked now (growing delays, then a lock), by account."""
    return counter_verdict(FAIL_KEY.format(registration.id))


def record_failure(registration: Registration, method: str | None = None) -> None:
    """A wrong code (or refused passkey): counted against the account, written in its history."""
    count_failure(FAIL_KEY.format(registration.id))
    audit.record(registration.id, "two_step_failed", method)
    db.session.commit()


def clear_failures(registration: Registration) -> None:
    """A right code (or the operator's reset) starts the count again."""
    redis_store.connection.delete(FAIL_KEY.format(registration.id))
