"""« Sécurité » → « Double authentification »: the authenticator app, recovery codes, and
the login's second page (web/core/two_step.py keeps the state and the secrets)."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from web.account.auth import check_password
from web.account.forms import (
    RecoveryCodesForm,
    TwoStepDisableForm,
    TwoStepEnrolForm,
    TwoStepLoginForm,
)
from web.account.routes import bp, finish_login
from web.core import audit, sessions, two_step
from web.core.expired_forms import keeps_on_expiry
from web.core.limits import LOGIN_IP, by_ip
from web.core.notices import notify
from web.extensions import limiter
from web.models import MailKind

# What a subscriber may still reach while REQUIRE_TWO_STEP waits for their enrolment.
ENROLMENT_ENDPOINTS = frozenset(
    {
        "account.two_step_setup",
        "account.new_recovery_codes",
        "account.recovery_codes_file",
        "account.recovery_codes_noted",
        "account.logout",
        "account.two_step_login",
        "account.login",
        # A passkey may be the first method too (web/account/passkeys.py).
        "account.add_passkey",
        "account.passkey_registration_options",
        "account.passkey_registration_verify",
    }
)
SPACE_BLUEPRINTS = frozenset({"account", "dossiers"})


@bp.before_app_request
def require_two_step():
    """With REQUIRE_TWO_STEP, a subscriber without a second step enrols before anything else
    of the space."""
    if (
        request.blueprint not in SPACE_BLUEPRINTS
        or request.endpoint in ENROLMENT_ENDPOINTS
        or not two_step.required()
    ):
        return None
    if current_user.is_authenticated and not two_step.is_enabled(current_user):
        return redirect(url_for("account.two_step_setup"))
    return None


def _wrong_code_message(verdict) -> str:
    if verdict.locked:
        return _(
            "Trop de codes erronés : la deuxième étape est bloquée. Contactez-nous "
            "pour retrouver l'accès à votre espace."
        )
    minutes = max(1, round(verdict.wait_seconds / 60))
    return _("Trop de codes erronés : réessayez dans %(minutes)d minute(s).", minutes=minutes)


@bp.route("/connexion/verification", methods=["GET", "POST"])
@keeps_on_expiry(TwoStepLoginForm)
@limiter.limit(LOGIN_IP, methods=["POST"], key_func=by_ip)
def two_step_login():
    """The login's second page: a code of the app, a recovery code, or a passkey."""
    if current_user.is_authenticated:
        return redirect(url_for("account.home"))
    registration = two_step.pending_registration()
    if registration is None:
        two_step.clear_pending()
        flash(_("Votre connexion a expiré : saisissez de nouveau votre mot de passe."), "warning")
        return redirect(url_for("account.login"))
    methods = two_step.enabled_methods(registration)
    use_recovery = request.args.get("secours") == "1" or "totp" not in methods
    form = TwoStepLoginForm()
    if use_recovery:
        form.code.label.text = _("Code de secours")
        form.code.render_kw = {**form.code.render_kw, "inputmode": "text"}
    status = 200
    if form.validate_on_submit():
        verdict = two_step.may_try(registration)
        if not verdict.allowed:
            form.code.errors.append(_wrong_code_message(verdict))
            status = 429
        else:
            method = two_step.verify_code(registration, form.code.data)
            if method is not None:
                return finish_login(registration, method)
            two_step.record_failure(registration)
            form.code.errors.append(_("Code incorrect ou déjà utilisé."))
            status = 401
    return render_template(
        "account/two_step_login.html",
        form=form,
        methods=methods,
        use_recovery=use_recovery,
    ), status


@bp.route("/securite")
@login_required
def security():
    """« Sécurité »: the second step's methods, recovery codes left, what can be changed."""
    return render_template(
        "account/security.html",
        methods=two_step.enabled_methods(current_user),
        totp=two_step.has_totp(current_user),
        remaining=two_step.remaining_recovery_codes(current_user),
        required=two_step.required(),
    )


@bp.route("/securite/application", methods=["GET", "POST"])
@keeps_on_expiry(TwoStepEnrolForm)
@login_required
def two_step_setup():
    """Turn the app on: QR code, link and key, then a current code to confirm."""
    if two_step.has_totp(current_user):
        return redirect(url_for("account.security"))
    form = TwoStepEnrolForm()
    if form.validate_on_submit():
        if two_step.confirm_enrolment(current_user, form.code.data):
            # Someone who had the password alone keeps no session opened with it.
            sessions.close_all_sessions(current_user.id, keep=current_user.login_session)
            flash(
                _("La double authentification est activée. Vos autres sessions ont été fermées."),
                "success",
            )
            return redirect(url_for("account.new_recovery_codes"))
        form.code.errors.append(
            _("Code incorrect : saisissez le code affiché maintenant par votre application.")
        )
    secret = two_step.enrolment_secret()
    uri = two_step.provisioning_uri(secret, current_user.email or "")
    return render_template(
        "account/two_step_setup.html",
        form=form,
        uri=uri,
        qr=two_step.qr_svg(uri, _("QR code à scanner avec votre application d'authentification")),
        key=two_step.grouped(secret),
        required=two_step.required(),
    )


@bp.route("/securite/application/desactiver", methods=["GET", "POST"])
@keeps_on_expiry(TwoStepDisableForm)
@login_required
def two_step_disable():
    """Turn the app off: the current password and a current code."""
    if not two_step.has_totp(current_user):
        return redirect(url_for("account.security"))
    form = TwoStepDisableForm()
    status = 200
    if form.validate_on_submit():
        verdict = two_step.may_try(current_user)
        if not check_password(current_user, form.current_password.data):
            form.current_password.errors.append(_("Le mot de passe actuel est incorrect."))
        elif not verdict.allowed:
            form.code.errors.append(_wrong_code_message(verdict))
            status = 429
        elif two_step.verify_code(current_user, form.code.data) is None:
            two_step.record_failure(current_user)
            form.code.errors.append(_("Code incorrect ou déjà utilisé."))
        else:
            two_step.clear_failures(current_user)
            two_step.disable_totp(current_user)
            flash(_("La double authentification par application est désactivée."), "success")
            return redirect(url_for("account.security"))
    return render_template("account/two_step_disable.html", form=form), status


@bp.route("/securite/codes-de-secours")
@login_required
def new_recovery_codes():
    """The codes just made, shown once: download, print, then « J'ai noté mes codes »."""
    codes = two_step.shown_recovery_codes(current_user)
    if codes is None:
        flash(
            _(
                "Les codes de secours ne s'affichent qu'une fois. Si vous ne les avez pas "
                "notés, créez-en une nouvelle série."
            ),
            "warning",
        )
        return redirect(url_for("account.security"))
    return render_template("account/recovery_codes.html", codes=codes)


@bp.route("/securite/codes-de-secours.txt")
@login_required
def recovery_codes_file():
    """« Télécharger »: the codes just made, as a text file."""
    codes = two_step.shown_recovery_codes(current_user)
    if codes is None:
        return redirect(url_for("account.new_recovery_codes"))
    lines = [
        _("Codes de secours espace-pro — %(address)s", address=current_user.email or ""),
        _("Chaque code ne sert qu'une fois."),
        "",
        *codes,
        "",
    ]
    return Response(
        "\r\n".join(lines),
        mimetype="text/plain",
        headers={"Content-Disposition": 'attachment; filename="espace-pro-codes-de-secours.txt"'},
    )


@bp.route("/securite/codes-de-secours/notes", methods=["POST"])
@keeps_on_expiry()
@login_required
def recovery_codes_noted():
    """The codes are noted: their clear text is forgotten."""
    two_step.forget_shown_codes()
    return redirect(url_for("account.security"))


@bp.route("/securite/codes-de-secours/nouveaux", methods=["GET", "POST"])
@keeps_on_expiry(RecoveryCodesForm)
@login_required
def renew_recovery_codes():
    """A new set of recovery codes (the old one dies); current password required."""
    if not two_step.is_enabled(current_user):
        return redirect(url_for("account.security"))
    form = RecoveryCodesForm()
    if form.validate_on_submit():
        if not check_password(current_user, form.current_password.data):
            form.current_password.errors.append(_("Le mot de passe actuel est incorrect."))
        else:
            audit.record(current_user.id, "recovery_codes_renewed")
            two_step.issue_recovery_codes(current_user)  # commits the event with the codes
            notify(current_user, MailKind.RECOVERY_CODES_RENEWED)
            return redirect(url_for("account.new_recovery_codes"))
    return render_template("account/recovery_codes_renew.html", form=form)
