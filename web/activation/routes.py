"""2ème étape : activez votre espace — address + code, success page, new code, PDF."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from web.activation.forms import ActivationForm, NewCodeForm
from web.activation.service import ActivationResult
from web.activation.service import (
    activate as activate_space,
)
from web.core.limits import (
    ACTIVATION,
    ACTIVATION_IP,
    RESEND,
    RESEND_IP,
    by_ip,
    by_typed_address,
    by_typed_address_and_ip,
)
from web.core.resend import request_new_code
from web.core.secrets.tokens import TokenPurpose, TokenStatus, check_token
from web.core.subscribers import live_registration, registration_by_id
from web.extensions import limiter
from web.models import RegistrationState

bp = Blueprint("activation", __name__, url_prefix="/activation")


@bp.route("/", methods=["GET", "POST"])
# Per address *and* IP: strangers' wrong codes never hold back the owner's right one (the
# code itself allows five wrong tries, then a new one is mailed within the daily cap).
@limiter.limit(ACTIVATION, methods=["POST"], key_func=by_typed_address_and_ip)
@limiter.limit(ACTIVATION_IP, methods=["POST"], key_func=by_ip)
def activate():
    """Saisissez votre adresse électronique ainsi que votre code d'activation."""
    form = ActivationForm()
    refused = burned = False
    if request.method == "GET" and request.args.get("jeton"):
        link = check_token(
            TokenPurpose.ACTIVATION_LINK,
            request.args["jeton"],
            max_age=current_app.config["ACTIVATION_CODE_TTL_SECONDS"],
        )
        if link.status is TokenStatus.VALID:
            form.email.data = link.value
        elif link.status is TokenStatus.EXPIRED:
            flash(
                _("Ce lien a expiré : le délai de 48h est dépassé. Recommencez votre inscription."),
                "warning",
            )
        else:
            flash(_("Ce lien n'est pas valide : saisissez votre adresse électronique."), "warning")
    if form.validate_on_submit():
        result, registration = activate_space(form.normalised_email, form.code.data)
        if result is ActivationResult.ACTIVATED:
            session["activated"] = registration.id
            return redirect(url_for("activation.success"))
        if result is ActivationResult.BUSY:
            # The code is right (another request is using it): not "incorrect".
            flash(
                _(
                    "Votre code est en cours de traitement : patientez quelques secondes puis "
                    "rechargez la page."
                ),
                "warning",
            )
        else:
            refused = True
            burned = result is ActivationResult.BURNED
    return render_template("activation/activate.html", form=form, refused=refused, burned=burned)


@bp.route("/reussie")
def success():
    """Votre inscription a été réalisée le … sous le numéro …"""
    registration = _activated_registration()
    return render_template("activation/success.html", registration=registration)


@bp.route("/formulaire.pdf")
def registration_form():
    """Sauvegardez ou imprimez votre formulaire (PDF)."""
    from web.core.registration_pdf import registration_form_pdf

    registration = _activated_registration()
    pdf = registration_form_pdf(registration)
    filename = f"espace-pro-inscription-{registration.subscriber_number}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _activated_registration():
    registration_id = session.get("activated")
    registration = registration_by_id(registration_id) if registration_id else None
    if registration is None or registration.state != RegistrationState.ACTIVE:
        abort(404)
    return registration


@bp.route("/nouveau-code", methods=["GET", "POST"])
@limiter.limit(RESEND, methods=["POST"], key_func=by_typed_address)
@limiter.limit(RESEND_IP, methods=["POST"], key_func=by_ip)
def new_code():
    """Ask for a new activation code; the same answer whether the address is known or not."""
    form = NewCodeForm()
    if form.validate_on_submit():
        registration = live_registration(form.normalised_email)
        if registration is not None:
            request_new_code(registration)
        flash(
            _(
                "Si une inscription en attente correspond à l'adresse %(email)s, un nouveau "
                "code d'activation vient de lui être envoyé. Le code précédent n'est plus "
                "valable.",
                email=form.normalised_email,
            ),
            "success",
        )
        return redirect(url_for("activation.activate"))
    return render_template("activation/new_code.html", form=form)
