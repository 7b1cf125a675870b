"""« Clés d'accès » (passkeys): add one from « Sécurité », remove one, and log in with one as
the second step.

The WebAuthn ceremonies talk JSON with web/static/js/passkeys.js: the page's CSRF token
travels in the X-CSRFToken header (Flask-WTF's CSRFProtect reads it), every refusal is a
JSON object with a French `error` (never a 500), and success gives the page to go to.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import StringField
from wtforms.validators import ValidationError

from web.account.auth import check_password
from web.account.forms import CurrentPasswordMixin
from web.account.routes import bp, finish_login
from web.core import audit, passkeys, sessions, two_step
from web.core.expired_forms import keeps_on_expiry
from web.core.forms import PlainText, required, too_long
from web.core.limits import LOGIN_IP, by_ip
from web.core.notices import notify
from web.core.request_rules import accepts_json
from web.core.translations import lazy_gettext as _l
from web.domain.text import clean_text
from web.extensions import db, limiter
from web.models import MailKind

PASSKEY_METHOD = "passkey"


class PasskeyNameForm(FlaskForm):
    """« Ajouter une clé d'accès »: the name the subscriber gives it."""

    name = StringField(
        _l("Nom de la clé d'accès"),
        validators=[
            required(_l("Donnez un nom à cette clé d'accès (par exemple : Téléphone de Marie).")),
            too_long(passkeys.NAME_MAX_LENGTH),
            PlainText(),
        ],
        render_kw={"autocomplete": "off", "maxlength": passkeys.NAME_MAX_LENGTH},
    )

    def validate_name(self, field) -> None:
        if not clean_text(field.data or ""):
            raise ValidationError(
                _l("Donnez un nom à cette clé d'accès (par exemple : Téléphone de Marie).")
            )

    @property
    def clean_name(self) -> str:
        return clean_text(self.name.data or "")


class RemovePasskeyForm(CurrentPasswordMixin, FlaskForm):
    """« Supprimer » a passkey: the password; for the last method, a recovery code too."""

    code = StringField(
        _l("Code de secours"),
        validators=[too_long(64), PlainText()],
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false"},
    )


def _security_url() -> str:
    return url_for("account.security")


def _json_error(message: str, status: int = 400, **extra: Any) -> tuple[Response, int]:
    return jsonify(error=message, **extra), status


def _posted_json() -> dict[str, Any] | None:
    """The request's JSON object, or None when it is not one (malformed, wrong type)."""
    payload = request.get_json(silent=True)
    return payload if isinstance(payload, dict) else None


def _name_form(payload: dict[str, Any]) -> PasskeyNameForm:
    name = payload.get("name")
    # The CSRF token came in the header (CSRFProtect checked it before the view).
    formdata = MultiDict({"name": name} if isinstance(name, str) else {})
    return PasskeyNameForm(formdata=formdata, meta={"csrf": False})


# The space: list, add, remove ------------------------------------------------------------


@bp.app_context_processor
def passkey_panel() -> dict[str, Any]:
    """`subscriber_passkeys()` for the « Sécurité » page's panel."""

    def subscriber_passkeys() -> list:
        if not current_user.is_authenticated:
            return []
        return passkeys.passkeys_of(current_user)

    return {"subscriber_passkeys": subscriber_passkeys}


@bp.route("/securite/cles-d-acces/ajouter", methods=["GET", "POST"])
@keeps_on_expiry(PasskeyNameForm)
@login_required
def add_passkey():
    """The page that names a new passkey; the browser's script runs the ceremony."""
    form = PasskeyNameForm()
    status = 200
    if form.validate_on_submit():
        # Only a browser without script (or without WebAuthn) posts this form itself.
        form.name.errors.append(
            _(
                "Votre navigateur n'a pas pu créer la clé d'accès : il faut un navigateur "
                "récent, avec JavaScript activé, qui prend en charge les clés d'accès."
            )
        )
        status = 400
    elif request.method == "POST":
        status = 400
    too_many = passkeys.passkey_count(current_user) >= passkeys.MAX_PASSKEYS
    return render_template("account/passkey_add.html", form=form, too_many=too_many), status


@bp.route("/securite/cles-d-acces/options", methods=["POST"])
@accepts_json
@keeps_on_expiry()
@login_required
def passkey_registration_options():
    """JSON: the options for navigator.credentials.create(), once the name is right."""
    payload = _posted_json()
    if payload is None:
        return _json_error(_("La demande est mal formée : rechargez la page et recommencez."))
    form = _name_form(payload)
    if not form.validate():
        return _json_error(" ".join(map(str, form.name.errors)), field="name")
    if passkeys.passkey_count(current_user) >= passkeys.MAX_PASSKEYS:
        return _json_error(
            _(
                "Vous avez déjà %(count)d clés d'accès : supprimez-en une avant d'en ajouter.",
                count=passkeys.MAX_PASSKEYS,
            )
        )
    options = passkeys.registration_options(current_user)
    return jsonify(options=options)


@bp.route("/securite/cles-d-acces", methods=["POST"])
@accepts_json
@keeps_on_expiry()
@login_required
def passkey_registration_verify():
    """JSON: the authenticator's answer; the passkey is added, recorded and noticed."""
    payload = _posted_json()
    if payload is None:
        return _json_error(_("La demande est mal formée : rechargez la page et recommencez."))
    form = _name_form(payload)
    if not form.validate():
        return _json_error(" ".join(map(str, form.name.errors)), field="name")
    registration = current_user
    first_method = not two_step.is_enabled(registration)
    try:
        passkey = passkeys.verify_registration(
            registration, payload.get("credential"), form.clean_name
        )
    except passkeys.PasskeyError:
        db.session.rollback()
        return _json_error(
            _(
                "La clé d'accès n'a pas pu être enregistrée (demande expirée, déjà utilisée ou "
                "clé déjà enregistrée) : recommencez."
            )
        )
    audit.record(registration.id, "passkey_added", passkey.name)
    if first_method:
        audit.record(registration.id, "two_step_enabled", PASSKEY_METHOD)
    db.session.commit()
    notify(registration, MailKind.PASSKEY_ADDED)
    flash(_("La clé d'accès « %(name)s » a été ajoutée.", name=passkey.name), "success")
    if first_method:
        # The second step is on: a session opened with the password alone is closed.
        sessions.close_all_sessions(registration.id, keep=current_user.login_session)
        two_step.issue_recovery_codes(registration)
        return jsonify(redirect=url_for("account.new_recovery_codes"))
    return jsonify(redirect=_security_url())


def _is_last_method(passkey_count: int) -> bool:
    return two_step.enabled_methods(current_user) <= {PASSKEY_METHOD} and passkey_count <= 1


@bp.route("/securite/cles-d-acces/<int:passkey_id>/supprimer", methods=["GET", "POST"])
@keeps_on_expiry(RemovePasskeyForm)
@login_required
def remove_passkey(passkey_id: int):
    """« Supprimer »: the password; for the last method of the login, a recovery code too."""
    registration = current_user
    passkey = passkeys.find_passkey(registration, passkey_id)
    if passkey is None:
        flash(_("Cette clé d'accès n'existe plus : la liste ci-dessous est à jour."), "warning")
        return redirect(_security_url())
    last = _is_last_method(passkeys.passkey_count(registration))
    form = RemovePasskeyForm()
    status = 200
    if form.validate_on_submit():
        verdict = two_step.may_try(registration)
        if not check_password(registration, form.current_password.data):
            form.current_password.errors.append(_("Le mot de passe actuel est incorrect."))
        elif last and not (form.code.data or "").strip():
            form.code.errors.append(_("Saisissez un de vos codes de secours."))
        elif last and not verdict.allowed:
            form.code.errors.append(_throttled_message(verdict))
            status = 429
        elif last and two_step.verify_code(registration, form.code.data) is None:
            # Wrong codes count as at the login (the same per-account throttle).
            two_step.record_failure(registration, PASSKEY_METHOD)
            form.code.errors.append(_("Ce code de secours est incorrect ou déjà utilisé."))
        else:
            if last:
                two_step.clear_failures(registration)
            name = passkey.name
            audit.record(registration.id, "passkey_removed", name)
            if passkeys.remove(registration, passkey):  # the login's last second step
                audit.record(registration.id, "two_step_disabled", PASSKEY_METHOD)
            db.session.commit()
            notify(registration, MailKind.PASSKEY_REMOVED)
            flash(_("La clé d'accès « %(name)s » a été supprimée.", name=name), "success")
            return redirect(_security_url())
    if form.errors and status == 200:
        status = 400
    page = render_template("account/passkey_remove.html", form=form, passkey=passkey, last=last)
    return page, status


# The login's second step -----------------------------------------------------------------


def _expired_login() -> tuple[Response, int]:
    return _json_error(
        _("Votre connexion a expiré : saisissez à nouveau votre mot de passe."),
        401,
        redirect=url_for("account.login"),
    )


@bp.route("/connexion/cle-d-acces/options", methods=["POST"])
@accepts_json
@keeps_on_expiry()
def passkey_login_options():
    """JSON: the options for navigator.credentials.get(), for the pending login only."""
    registration = two_step.pending_registration()
    if registration is None or not passkeys.has_passkeys(registration):
        return _expired_login()
    return jsonify(options=passkeys.authentication_options(registration))


@bp.route("/connexion/cle-d-acces", methods=["POST"])
@accepts_json
@keeps_on_expiry()
@limiter.limit(LOGIN_IP, methods=["POST"], key_func=by_ip)
def passkey_login_verify():
    """JSON: a signed answer by one of the subscriber's passkeys opens the space."""
    registration = two_step.pending_registration()
    if registration is None:
        return _expired_login()
    verdict = two_step.may_try(registration)
    if not verdict.allowed:
        return _json_error(_throttled_message(verdict), 429)
    payload = _posted_json()
    credential = payload.get("credential") if payload is not None else None
    try:
        passkeys.verify_authentication(registration, credential)
    except passkeys.PasskeyError as refused:
        db.session.rollback()
        two_step.record_failure(registration, PASSKEY_METHOD)
        current_app.logger.info("passkey login refused: %s", refused.reason)
        return _json_error(
            _(
                "La clé d'accès n'a pas été acceptée : réessayez, ou utilisez un autre moyen "
                "ci-dessous."
            )
        )
    db.session.commit()
    two_step.clear_failures(registration)
    response = finish_login(registration, PASSKEY_METHOD)
    answer = jsonify(redirect=response.location)
    for cookie in response.headers.getlist("Set-Cookie"):
        answer.headers.add("Set-Cookie", cookie)
    return answer


def _throttled_message(verdict) -> str:
    if verdict.locked:
        return _(
            "Trop de tentatives infructueuses : pour des raisons de sécurité, utilisez "
            "« Mot de passe oublié » pour retrouver l'accès à votre espace."
        )
    minutes = max(1, round(verdict.wait_seconds / 60))
    return _(
        "Trop de tentatives infructueuses : réessayez dans %(minutes)d minute(s).",
        minutes=minutes,
    )
