"""« Accédez à votre espace abonné »: log in and out, home, password, question, history."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from web.account.auth import authenticate, check_password
from web.account.forms import ChangePasswordForm, LoginForm, TrustQuestionForm
from web.core import activation_receipt, audit, login_throttle, sessions, two_step
from web.core.deferred import defer, deferred
from web.core.errors import BACKEND_ERRORS
from web.core.expired_forms import keeps_on_expiry
from web.core.forms import personal_data
from web.core.i18n import country_name, current_language, translate
from web.core.limits import LOGIN_IP, by_ip
from web.core.notices import notify
from web.core.profile import ContactForm, contact_from_form
from web.core.request_rules import page_number
from web.core.secrets.hashing import hash_secret, hasher
from web.core.subscribers import CONTACT_COLUMNS, active_subscriber, dossier_summary
from web.core.trusted_devices import trust_device, trusted_device
from web.domain import N_
from web.domain.trust import TRUST_QUESTIONS, login_names, normalise_answer
from web.extensions import db, limiter, login_manager
from web.models import AuditEvent, MailKind, Registration, RegistrationState

bp = Blueprint("account", __name__, url_prefix="/espace")
HISTORY_PAGE_SIZE = 50


@login_manager.user_loader
def load_subscriber(session_id: str) -> Registration | None:
    """The subscriber of a live server-side session (idle and absolute limits applied)."""
    if g.get("subscriber_unavailable"):
        # This request's first try failed: Flask-Login asks again for every template, and
        # the 503 page must render (as anonymous) instead of failing the same way.
        return None
    try:
        registration_id = sessions.touch_session(session_id)
        registration = db.session.get(Registration, registration_id) if registration_id else None
    except BACKEND_ERRORS:
        g.subscriber_unavailable = True
        raise
    if registration is None or registration.state != RegistrationState.ACTIVE:
        return None
    registration.login_session = session_id
    return registration


login_manager.login_view = "account.login"
login_manager.login_message = N_("Veuillez vous connecter pour accéder à votre espace abonné.")
login_manager.localize_callback = translate
login_manager.login_message_category = "warning"
login_manager.session_protection = None  # the server-side session already binds the login


@bp.route("/connexion", methods=["GET", "POST"])
@keeps_on_expiry(LoginForm)
@limiter.limit(LOGIN_IP, methods=["POST"], key_func=by_ip)
def login():
    """Adresse électronique + mot de passe."""
    if current_user.is_authenticated:
        return redirect(url_for("account.home"))
    form = LoginForm()
    status = 200
    unlock_offer = False
    if form.validate_on_submit():
        email, ip = form.normalised_email, request.remote_addr
        # A browser that logged in to this address before counts its own failures only.
        device = login_throttle.counting_device(trusted_device(request, email))
        verdict = login_throttle.may_try(email, ip, device)
        if verdict.locked:
            flash(
                _(
                    "Trop de tentatives infructueuses : pour des raisons de sécurité, "
                    "utilisez « Mot de passe oublié » pour retrouver l'accès à votre espace."
                ),
                "error",
            )
            status, unlock_offer = 429, device is None
        elif not verdict.allowed:
            minutes = max(1, round(verdict.wait_seconds / 60))
            flash(
                _(
                    "Trop de tentatives infructueuses : réessayez dans %(minutes)d minute(s).",
                    minutes=minutes,
                ),
                "error",
            )
            status, unlock_offer = 429, device is None
        else:
            registration = authenticate(email, form.password.data)
            if registration is not None and two_step.is_enabled(registration):
                # The password alone opens nothing: the second step waits (5 minutes).
                login_throttle.clear_failures(email, device)
                two_step.begin(registration, device)
                return redirect(url_for("account.two_step_login"))
            if registration is not None:
                return _open_space(registration, device)
            login_throttle.record_failure(email, ip, device)
            _record_failed_login(email)
            flash(_("Adresse électronique ou mot de passe incorrect."), "error")
            status = 401
    return render_template("account/login.html", form=form, unlock_offer=unlock_offer), status


def _open_space(registration: Registration, device: str | None = None):
    login_throttle.clear_failures(registration.email, device)
    activation_receipt.revoke()  # the success page's number and PDF end here, copies too
    session.clear()  # a new session at login: nothing carried over from before
    registration.login_session = sessions.open_session(
        registration.id, request.user_agent.string, request.remote_addr
    )
    login_user(registration)
    session.permanent = True
    audit.record(registration.id, "login")
    registration.preferred_locale = current_language()  # the language of the next mails
    db.session.commit()
    response = redirect(url_for("account.home"))
    trust_device(request, response, registration.email)
    return response


def finish_login(registration: Registration, method: str) -> Response:
    """The second step passed (`method`: "totp", "recovery", "passkey"): the pending state
    ends, the history records it and the login, and the space opens."""
    device = two_step.pending_device()
    two_step.clear_pending()
    two_step.clear_failures(registration)
    audit.record(registration.id, "two_step_passed", detail=method)
    return _open_space(registration, device)


def _record_failed_login(email: str) -> None:
    # In the worker, whatever the address: the page does the same work for every one.
    defer("login_failed", email=email)


@deferred("login_failed")
def record_failed_login(email: str, ip: str | None, at: datetime) -> None:
    """In the worker: a failed login goes in the history of the space it was meant for."""
    target = active_subscriber(email)
    if target is not None:
        audit.record(target.id, "login_failed", ip=ip, at=at)
        db.session.commit()


@bp.route("/deconnexion", methods=["POST"])
@keeps_on_expiry()
@login_required
def logout():
    """End the session on the server, then in the browser."""
    end_this_session()
    flash(_("Vous êtes déconnecté."), "success")
    if request.form.get("ensuite") == "creer":  # from the wizard: a collaborator's space
        return redirect(url_for("registration.terms"))
    return redirect(url_for("account.login"))


def end_this_session() -> None:
    """Log out: recorded, ended in Redis, then forgotten by the browser's cookie."""
    audit.record(current_user.id, "logout")
    db.session.commit()
    sessions.close_session(current_user.login_session)
    logout_user()
    activation_receipt.revoke()
    session.clear()


@bp.route("/")
@login_required
def home():
    """The next step (add a dossier), then number, date, identity, employer and contact."""
    return render_template(
        "account/home.html",
        subscriber=current_user,
        dossiers=dossier_summary(current_user.id),
        country=country_name(current_user.country or ""),
        question=translate(dict(TRUST_QUESTIONS).get(current_user.trust_question, "")),
    )


@bp.route("/coordonnees", methods=["GET", "POST"])
@keeps_on_expiry(ContactForm)
@login_required
def contact():
    """Edit the contact details (phone, address, contact address)."""
    subscriber = current_user
    form = ContactForm(data={name: getattr(subscriber, name) for name in CONTACT_COLUMNS})
    if form.validate_on_submit():
        values = contact_from_form(form)
        changed = [name for name in CONTACT_COLUMNS if getattr(subscriber, name) != values[name]]
        for name in changed:
            setattr(subscriber, name, values[name])
        if changed:
            audit.record(subscriber.id, "contact_changed")
        db.session.commit()
        if changed:
            notify(subscriber, MailKind.CONTACT_CHANGED)
        flash(_("Vos coordonnées ont été enregistrées."), "success")
        return redirect(url_for("account.home"))
    return render_template("account/contact.html", form=form)


@bp.route("/mot-de-passe", methods=["GET", "POST"])
@keeps_on_expiry(ChangePasswordForm)
@login_required
def change_password():
    """Change the password: current one required; other sessions end; a mail goes out."""
    form = ChangePasswordForm(
        login_email=current_user.email, personal_data=personal_data(current_user)
    )
    if form.validate_on_submit():
        if not check_password(current_user, form.current_password.data):
            form.current_password.errors.append(_("Le mot de passe actuel est incorrect."))
        else:
            current_user.password_hash = hash_secret(hasher(), form.new_password.data)
            audit.record(current_user.id, "password_changed")
            db.session.commit()
            sessions.close_all_sessions(current_user.id, keep=current_user.login_session)
            notify(current_user, MailKind.PASSWORD_CHANGED)
            flash(
                _("Votre mot de passe a été modifié. Vos autres sessions ont été fermées."),
                "success",
            )
            return redirect(url_for("account.home"))
    return render_template("account/password.html", form=form)


@bp.route("/question-de-confiance", methods=["GET", "POST"])
@keeps_on_expiry(TrustQuestionForm)
@login_required
def change_trust_question():
    """Change the trust question and answer (current password required)."""
    subscriber = current_user
    form = TrustQuestionForm(
        data={"trust_question": subscriber.trust_question},
        forbidden=[
            subscriber.last_name,
            subscriber.first_name,
            subscriber.street_name,
            subscriber.city,
            *login_names(subscriber.email or ""),
        ],
    )
    if form.validate_on_submit():
        if not check_password(subscriber, form.current_password.data):
            form.current_password.errors.append(_("Le mot de passe actuel est incorrect."))
        else:
            subscriber.trust_question = form.trust_question.data
            subscriber.trust_answer_hash = hash_secret(
                hasher(), normalise_answer(form.trust_answer.data)
            )
            audit.record(subscriber.id, "trust_changed")
            db.session.commit()
            notify(subscriber, MailKind.TRUST_CHANGED)
            flash(_("Votre question de confiance a été modifiée."), "success")
            return redirect(url_for("account.home"))
    return render_template("account/trust.html", form=form)


@bp.route("/historique")
@login_required
def history():
    """What happened to the account, newest first, with date and IP."""
    page = request.args.get("page", 1, type=page_number)
    events = db.paginate(
        select(AuditEvent)
        .where(AuditEvent.registration_id == current_user.id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()),
        page=page,
        per_page=HISTORY_PAGE_SIZE,
        error_out=False,
    )
    return render_template("account/history.html", events=events)


@bp.route("/formulaire.pdf")
@login_required
def registration_form():
    """« Sauvegardez ou imprimez votre formulaire », again from the space."""
    from web.core.registration_pdf import registration_form_pdf

    filename = f"espace-pro-inscription-{current_user.subscriber_number}.pdf"
    return Response(
        registration_form_pdf(current_user),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.app_context_processor
def space_settings():
    """Limits the templates of the space mention."""
    return {"dossier_warning_count": current_app.config["DOSSIER_WARNING_COUNT"]}


# The login-address change and « Sessions actives » have their own modules; importing them
# adds their routes to `bp`.
from web.account import active_sessions, address, passkeys, second_step  # noqa: E402, F401
