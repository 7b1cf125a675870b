"""2ème étape : activez votre espace — address + code, success page, new code, PDF."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from web.activation.forms import ActivationForm, NewCodeForm
from web.activation.service import ActivationResult
from web.activation.service import (
    activate as activate_space,
)
from web.core import activation_receipt
from web.core.limits import ACTIVATION, ACTIVATION_IP, RESEND, RESEND_IP, by_ip, by_typed_address
from web.core.resend import request_new_code
from web.core.secrets.tokens import TokenPurpose, TokenStatus, check_token
from web.core.subscribers import live_registration, registration_by_id
from web.extensions import limiter
from web.models import RegistrationState

bp = Blueprint("activation", __name__, url_prefix="/activation")


@bp.route("/", methods=["GET", "POST"])
@limiter.limit(ACTIVATION, methods=["POST"], key_func=by_typed_address)
@limiter.limit(ACTIVATION_IP, methods=["POST"], key_func=by_ip)
def activate():
    """Saisissez votre adresse électronique ainsi que votre code d'activation."""
    form = ActivationForm()
    refused = False
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
            activation_receipt.grant(registration.id)
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
    return render_template("activation/activate.html", form=form, refused=refused)


@bp.route("/reussie")
def success():
    """Votre inscription a été réalisée le … sous le numéro … (for a short while only)."""
    registration = _activated_registration()
    if registration is None:
        return render_template(
            "activation/receipt_ended.html",
            minutes=current_app.config["ACTIVATION_RECEIPT_SECONDS"] // 60,
        )
    return render_template("activation/success.html", registration=registration)


@bp.route("/formulaire.pdf")
def registration_form():
    """Sauvegardez ou imprimez votre formulaire (PDF)."""
    from web.core.registration_pdf import registration_form_pdf

    registration = _activated_registration()
    if registration is None:
        return redirect(url_for("activation.success"))
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
    """The space this browser session has just activated, while its receipt lasts."""
    registration_id = activation_receipt.granted_registration_id()
    registration = registration_by_id(registration_id) if registration_id else None
    if registration is None or registration.state != RegistrationState.ACTIVE:
        return None
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
