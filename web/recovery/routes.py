"""Recovery: prove control of the mailbox, then answer the trust question, then reset."""

from __future__ import annotations

import json
import secrets
import time
from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from web.core import audit, login_throttle, sessions, two_step
from web.core.deferred import defer, deferred
from web.core.expired_forms import keeps_on_expiry
from web.core.forms import AddressForm, personal_data
from web.core.i18n import translate
from web.core.limits import RECOVERY, RECOVERY_IP, by_ip, by_recovery_flow, by_typed_address
from web.core.notices import notify
from web.core.secrets.hashing import hash_secret, hasher, verify_secret
from web.core.secrets.tokens import (
    RESET_LINK_SECONDS,
    TokenStatus,
    password_fingerprint,
    read_reset_token,
)
from web.core.subscribers import active_subscriber
from web.domain.trust import TRUST_QUESTIONS, normalise_answer
from web.extensions import db, limiter, redis_store
from web.models import MailKind, Registration, RegistrationState
from web.recovery.forms import (
    ForgotPasswordForm,
    ResetPasswordForm,
    SecondStepForm,
    TrustAnswerForm,
)

bp = Blueprint("recovery", __name__, url_prefix="/recuperation")
MAX_WRONG_ANSWERS = 5
LOCK_SECONDS = 3600
WRONG_ANSWERS_KEY = "recovery:wrong:{}"
LOCK_KEY = "recovery:lock:{}"
# Mail bombing: at most this many recovery mails per space and per hour.
MAILS_PER_HOUR = 3
MAILS_KEY = "recovery:mails:{}"
FLOW_KEY = "recovery:flow:{}"


def _may_mail(registration: Registration) -> bool:
    """Count a recovery mail against the space's hourly allowance."""
    connection = redis_store.connection
    key = MAILS_KEY.format(registration.id)
    with connection.pipeline() as pipe:
        pipe.set(key, 0, nx=True, ex=3600)
        pipe.incr(key)
        count = pipe.execute()[1]
    return count <= MAILS_PER_HOUR


@bp.route("/mot-de-passe", methods=["GET", "POST"])
@keeps_on_expiry(ForgotPasswordForm)
@limiter.limit(RECOVERY, methods=["POST"], key_func=by_typed_address)
@limiter.limit(RECOVERY_IP, methods=["POST"], key_func=by_ip)
def forgot_password():
    """Address + subscriber number: if they match an active space, a link is mailed."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        defer("forgot_password", email=form.normalised_email, number=form.cleaned_number)
        return render_template("recovery/link_sent.html", email=form.normalised_email)
    return render_template("recovery/forgot_password.html", form=form)


@deferred("forgot_password")
def send_reset_link(email: str, number: str, ip: str | None, at: datetime) -> None:
    """In the worker: a link, if the address and the number match an active space."""
    registration = active_subscriber(email)
    if (
        registration is not None
        and registration.subscriber_number == number
        and _may_mail(registration)
    ):
        audit.record(registration.id, "recovery_requested", ip=ip, at=at)
        db.session.commit()
        notify(registration, MailKind.RESET_LINK)


@bp.route("/numero", methods=["GET", "POST"])
@keeps_on_expiry(AddressForm)
@limiter.limit(RECOVERY, methods=["POST"], key_func=by_typed_address)
@limiter.limit(RECOVERY_IP, methods=["POST"], key_func=by_ip)
def forgot_number():
    """The subscriber number is mailed to the address if it has an active space."""
    form = AddressForm()
    if form.validate_on_submit():
        defer("forgot_number", email=form.normalised_email)
        return render_template("recovery/number_sent.html", email=form.normalised_email)
    return render_template("recovery/forgot_number.html", form=form)


@deferred("forgot_number")
def send_subscriber_number(email: str, ip: str | None, at: datetime) -> None:
    """In the worker: the number, if the address has an active space."""
    registration = active_subscriber(email)
    if registration is not None and _may_mail(registration):
        notify(registration, MailKind.SUBSCRIBER_NUMBER)


def _flow_key(flow_id: str) -> str:
    return FLOW_KEY.format(flow_id)


def _link_registration():
    """The registration of the reset link (query) or of this browser's recovery flow.

    The token itself is kept out of the cookie: the session holds a random flow id whose
    state (registration, password fingerprint, question answered) lives in Redis.
    """
    connection = redis_store.connection
    token = request.args.get("jeton")
    if token:
        check = read_reset_token(token)
        if check.status is not TokenStatus.VALID:
            expired = check.status is TokenStatus.EXPIRED
            return None, render_template("recovery/link_error.html", expired=expired), 400
        registration = check.value
        flow_id = secrets.token_urlsafe(24)
        flow = {"id": registration.id, "pw": password_fingerprint(registration), "answered": False}
        # The flow lives only as long as the link itself: one hour from its sending.
        age = (datetime.now(UTC) - check.issued_at).total_seconds()
        lifetime = max(1, int(RESET_LINK_SECONDS - age))
        flow["expires"] = time.time() + lifetime
        connection.set(_flow_key(flow_id), json.dumps(flow), ex=lifetime)
        session["reset_flow"] = flow_id
        return registration, None, 200
    flow_id = session.get("reset_flow")
    raw = connection.get(_flow_key(flow_id)) if flow_id else None
    flow = json.loads(raw) if raw else None
    if flow and time.time() > flow["expires"]:
        session.pop("reset_flow", None)
        return None, render_template("recovery/link_error.html", expired=True), 400
    registration = db.session.get(Registration, flow["id"]) if flow else None
    if (
        registration is None
        or registration.state != RegistrationState.ACTIVE
        or password_fingerprint(registration) != flow["pw"]
    ):
        session.pop("reset_flow", None)
        return None, render_template("recovery/link_error.html", expired=False), 400
    registration.recovery_answered = flow["answered"]
    # With the second step on, a code of the app (or a recovery code) comes after the answer.
    registration.recovery_second_step = flow.get("second", False) or not two_step.is_enabled(
        registration
    )
    return registration, None, 200


def _mark_answered(what: str = "answered") -> None:
    connection = redis_store.connection
    key = _flow_key(session["reset_flow"])
    flow = json.loads(connection.get(key))
    flow[what] = True
    connection.set(key, json.dumps(flow), keepttl=True)


@bp.route("/reinitialiser", methods=["GET", "POST"])
@keeps_on_expiry(TrustAnswerForm)
@limiter.limit(RECOVERY, methods=["POST"], key_func=by_recovery_flow)
@limiter.limit(RECOVERY_IP, methods=["POST"], key_func=by_ip)
def reset():
    """The mailed link: answer the trust question (five wrong answers lock for an hour)."""
    registration, error, status = _link_registration()
    if registration is None:
        return error, status
    if request.args.get("jeton"):
        # Keep the token out of the address bar, history and Referer from now on.
        return redirect(url_for("recovery.reset"))
    connection = redis_store.connection
    if connection.exists(LOCK_KEY.format(registration.id)):
        return render_template("recovery/locked.html"), 429
    form = TrustAnswerForm()
    question = translate(dict(TRUST_QUESTIONS).get(registration.trust_question, ""))
    if form.validate_on_submit():
        if verify_secret(
            hasher(), registration.trust_answer_hash or "", normalise_answer(form.answer.data)
        ):
            connection.delete(WRONG_ANSWERS_KEY.format(registration.id))
            _mark_answered()
            if not registration.recovery_second_step:
                return redirect(url_for("recovery.second_step"))
            return redirect(url_for("recovery.new_password"))
        wrong = connection.incr(WRONG_ANSWERS_KEY.format(registration.id))
        connection.expire(WRONG_ANSWERS_KEY.format(registration.id), LOCK_SECONDS)
        audit.record(registration.id, "recovery_failed")
        db.session.commit()
        if wrong >= MAX_WRONG_ANSWERS:
            connection.set(LOCK_KEY.format(registration.id), 1, ex=LOCK_SECONDS)
            connection.delete(WRONG_ANSWERS_KEY.format(registration.id))
            return render_template("recovery/locked.html"), 429
        form.answer.errors.append(
            _(
                "Réponse incorrecte. Il vous reste %(left)d essai(s).",
                left=MAX_WRONG_ANSWERS - wrong,
            )
        )
    return render_template("recovery/question.html", form=form, question=question)


@bp.route("/deuxieme-etape", methods=["GET", "POST"])
@keeps_on_expiry(SecondStepForm)
@limiter.limit(RECOVERY, methods=["POST"], key_func=by_recovery_flow)
@limiter.limit(RECOVERY_IP, methods=["POST"], key_func=by_ip)
def second_step():
    """With the second step on, after the trust answer: a code of the app or a recovery code
    (wrong ones throttled and recorded as at login)."""
    registration, error, status = _link_registration()
    if registration is None:
        return error, status
    if not registration.recovery_answered:
        return redirect(url_for("recovery.reset"))
    if registration.recovery_second_step:
        return redirect(url_for("recovery.new_password"))
    form = SecondStepForm()
    status = 200
    if form.validate_on_submit():
        verdict = two_step.may_try(registration)
        if verdict.locked:
            form.code.errors.append(
                _(
                    "Trop de codes erronés : la deuxième étape est bloquée. Contactez-nous "
                    "pour retrouver l'accès à votre espace."
                )
            )
            status = 429
        elif not verdict.allowed:
            minutes = max(1, round(verdict.wait_seconds / 60))
            form.code.errors.append(
                _("Trop de codes erronés : réessayez dans %(minutes)d minute(s).", minutes=minutes)
            )
            status = 429
        else:
            method = two_step.verify_code(registration, form.code.data)
            if method is not None:
                two_step.clear_failures(registration)
                audit.record(registration.id, "two_step_passed", detail=method)
                db.session.commit()
                _mark_answered("second")
                return redirect(url_for("recovery.new_password"))
            two_step.record_failure(registration)
            form.code.errors.append(_("Code incorrect ou déjà utilisé."))
            status = 401
    return render_template(
        "recovery/second_step.html",
        form=form,
        methods=two_step.enabled_methods(registration),
    ), status


@bp.route("/nouveau-mot-de-passe", methods=["GET", "POST"])
@keeps_on_expiry(ResetPasswordForm)
def new_password():
    """Choose the new password; then every session ends and a notice is mailed."""
    registration, error, status = _link_registration()
    if registration is None:
        return error, status
    if not registration.recovery_answered:
        return redirect(url_for("recovery.reset"))
    if not registration.recovery_second_step:
        return redirect(url_for("recovery.second_step"))
    form = ResetPasswordForm(login_email=registration.email)
    form.personal_data = personal_data(registration)
    if form.validate_on_submit():
        registration.password_hash = hash_secret(hasher(), form.new_password.data)
        audit.record(registration.id, "password_reset")
        db.session.commit()
        sessions.close_all_sessions(registration.id)
        login_throttle.clear_failures(registration.email)
        notify(registration, MailKind.PASSWORD_RESET)
        redis_store.connection.delete(_flow_key(session.pop("reset_flow")))
        flash(
            _(
                "Votre mot de passe a été réinitialisé. Connectez-vous avec votre nouveau "
                "mot de passe."
            ),
            "success",
        )
        return redirect(url_for("account.login"))
    return render_template("recovery/new_password.html", form=form)


# « Débloquer ma connexion » has its own module; importing it adds its routes to `bp`.
from web.recovery import unlock  # noqa: E402, F401
