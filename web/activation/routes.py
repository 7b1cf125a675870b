"""2ème étape : activez votre espace — address + code, success page, new code, PDF."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    Response,
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
from web.core import activation_receipt
from web.core.deferred import defer, deferred
from web.core.durations import activation_validity
from web.core.expired_forms import keeps_on_expiry
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
from web.core.secrets.links import LinkStatus, follow_link
from web.core.subscribers import PENDING_STATES, live_registration, registration_by_id
from web.extensions import limiter, redis_store
from web.models import RegistrationState

bp = Blueprint("activation", __name__, url_prefix="/activation")
# The registration whose mailed link this browser followed: its address fills the form.
LINKED_REGISTRATION = "activation_link"


@bp.route("/", methods=["GET", "POST"])
@keeps_on_expiry(ActivationForm)
# Per address *and* IP: strangers' wrong codes never hold back the owner's right one (the
# code itself allows five wrong tries, then a new one is mailed within the daily cap).
@limiter.limit(ACTIVATION, methods=["POST"], key_func=by_typed_address_and_ip)
@limiter.limit(ACTIVATION_IP, methods=["POST"], key_func=by_ip)
def activate():
    """Saisissez votre adresse électronique ainsi que votre code d'activation."""
    if request.method == "GET" and "jeton" in request.args:
        _follow_link(request.args["jeton"])
        # Keep the token out of the address bar, history and Referer from now on.
        return redirect(url_for("activation.activate"))
    form = ActivationForm()
    refused = burned = False
    if request.method == "GET":
        form.email.data = _linked_address()
    if form.validate_on_submit():
        result, registration_id = activate_space(form.normalised_email, form.code.data)
        if result is ActivationResult.ACTIVATED:
            session.pop(LINKED_REGISTRATION, None)
            activation_receipt.grant(registration_id)
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


def _follow_link(token: str) -> None:
    """Remember the link's registration in the session, or say why the link does not work."""
    link = follow_link(redis_store.connection, token)
    if link.status is LinkStatus.VALID:
        session[LINKED_REGISTRATION] = link.registration_id
        return
    session.pop(LINKED_REGISTRATION, None)
    if link.status is LinkStatus.EXPIRED:
        message = _(
            "Ce lien a expiré : le délai de %(validity)s est dépassé. Recommencez votre "
            "inscription.",
            validity=activation_validity(),
        )
    elif link.status is LinkStatus.SPENT:
        message = _(
            "Ce lien ne sert plus : le code qu'il accompagnait a déjà été utilisé ou "
            "remplacé par un nouveau code. Saisissez votre adresse électronique et le dernier "
            "code reçu."
        )
    else:
        message = _("Ce lien n'est pas valide : saisissez votre adresse électronique.")
    flash(message, "warning")


def _linked_address() -> str | None:
    """The address of the space whose mailed link this browser followed, while pending."""
    registration_id = session.get(LINKED_REGISTRATION)
    if registration_id is None:
        return None
    registration = registration_by_id(registration_id)
    if registration is None or registration.state not in PENDING_STATES:
        session.pop(LINKED_REGISTRATION)
        return None
    return registration.email


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
@keeps_on_expiry(NewCodeForm)
@limiter.limit(RESEND, methods=["POST"], key_func=by_typed_address)
@limiter.limit(RESEND_IP, methods=["POST"], key_func=by_ip)
def new_code():
    """Ask for a new activation code; the same answer whether the address is known or not."""
    form = NewCodeForm()
    if form.validate_on_submit():
        defer("new_code", email=form.normalised_email)
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


@deferred("new_code")
def send_new_code(email: str, ip: str | None, at: datetime) -> None:
    """In the worker: a new code if the address's sign-up is pending, a notice if active."""
    registration = live_registration(email)
    if registration is not None:
        request_new_code(registration)
