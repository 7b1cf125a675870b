"""The 4-step sign-up wizard: terms, credentials, registration form, confirmation."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from web.core.deferred import defer, deferred
from web.core.durations import activation_validity
from web.core.expired_forms import keeps_on_expiry
from web.core.forms import ResendForm
from web.core.i18n import country_name, translate
from web.core.limits import CONFIRM_IP, RESEND, RESEND_IP, by_ip
from web.core.profile import contact_from_form
from web.core.resend import ResendResult, owe_new_code, take_resend
from web.core.secrets.hashing import hash_secret, hasher
from web.core.subscribers import registration_by_id
from web.core.terms import TERMS_VERSION
from web.domain.text import clean_text
from web.domain.trust import TRUST_QUESTIONS, normalise_answer
from web.extensions import limiter
from web.models import utcnow
from web.registration import wizard
from web.registration.forms import ConfirmForm, CredentialsForm, ProfileForm, TermsForm
from web.registration.service import confirm_registration
from web.registration.wizard import by_registration

bp = Blueprint("registration", __name__, url_prefix="/inscription")

STEP_ENDPOINTS = {
    1: "registration.terms",
    2: "registration.credentials",
    3: "registration.profile",
    4: "registration.confirmation",
}


# The waiting page and its resend belong to a sign-up already made in this browser.
STEPS_OF_A_NEW_SPACE = frozenset(
    {
        "registration.terms",
        "registration.credentials",
        "registration.profile",
        "registration.confirmation",
    }
)


@bp.before_request
def one_space_per_person():
    """A logged-in subscriber has a space: say so, and how to create a collaborator's."""
    if request.endpoint in STEPS_OF_A_NEW_SPACE and current_user.is_authenticated:
        return render_template("registration/already_signed_in.html", subscriber=current_user)
    return None


def draft_for_step(step: int):
    """Return (draft, None) when the step may be shown, else (None, a redirect)."""
    # Read once per request (one GETEX), whether it expired or not.
    draft = wizard.load_draft()
    if draft is None and wizard.has_draft_token():  # the session's draft expired
        wizard.start_draft()
        flash(
            _("Votre saisie a expiré après une heure d'inactivité : veuillez recommencer."),
            "warning",
        )
        return None, redirect(url_for(STEP_ENDPOINTS[1]))
    if draft is None and step > 1 and wizard.load_receipt() is not None:
        # Back from the waiting page: this browser's sign-up is made, show where it stands.
        return None, redirect(url_for("registration.waiting"))
    draft = draft or wizard.start_draft()
    missing = draft.first_missing_step()
    if step > missing:
        flash(_("Veuillez d'abord compléter l'étape %(step)d.", step=missing), "warning")
        return None, redirect(url_for(STEP_ENDPOINTS[missing]))
    return draft, None


def next_step(draft: wizard.Draft):
    """Save the draft and go on to the first step still to complete."""
    wizard.save_draft(draft)
    return redirect(url_for(STEP_ENDPOINTS[draft.first_missing_step()]))


@bp.route("/etape-1", methods=["GET", "POST"])
@keeps_on_expiry(TermsForm)
def terms():
    """1ère étape : acceptez les conditions générales."""
    draft, elsewhere = draft_for_step(1)
    if elsewhere:
        return elsewhere
    form = TermsForm(data={"accept": bool(draft.terms_accepted_at)})
    if form.validate_on_submit():
        draft.terms_version = TERMS_VERSION
        draft.terms_accepted_at = utcnow().isoformat()
        return next_step(draft)
    return render_template("registration/terms.html", form=form, step=1)


@bp.route("/etape-2", methods=["GET", "POST"])
@keeps_on_expiry(CredentialsForm)
def credentials():
    """2ème étape : créez vos identifiants."""
    draft, elsewhere = draft_for_step(2)
    if elsewhere:
        return elsewhere
    kept_email = draft.email if draft.password_hash else None
    form = CredentialsForm(
        data={"email": draft.email, "email_confirm": draft.email}, kept_email=kept_email
    )
    if form.validate_on_submit():
        if not form.keeps_password():
            draft.password_hash = hash_secret(hasher(), form.password.data)
        if draft.email and draft.profile.get("contact_email") == draft.email:
            # The contact address followed the login address: a corrected typo moves both.
            draft.profile["contact_email"] = form.normalised_email
        draft.email = form.normalised_email
        return next_step(draft)
    return render_template(
        "registration/credentials.html", form=form, step=2, keeps_password=kept_email is not None
    )


@bp.route("/etape-3", methods=["GET", "POST"])
@keeps_on_expiry(ProfileForm)
def profile():
    """3ème étape : remplissez votre formulaire d'inscription."""
    draft, elsewhere = draft_for_step(3)
    if elsewhere:
        return elsewhere
    saved = {key: value for key, value in draft.profile.items() if key != "trust_answer_hash"}
    saved.setdefault("contact_email", draft.email)
    saved.setdefault("country", "FR")
    kept_question = (
        draft.profile.get("trust_question") if draft.profile.get("trust_answer_hash") else None
    )
    form = ProfileForm(data=saved, kept_question=kept_question, login_email=draft.email or "")
    if form.validate_on_submit():
        answer_hash = draft.profile.get("trust_answer_hash")
        if not form.keeps_answer():
            answer_hash = hash_secret(hasher(), normalise_answer(form.trust_answer.data))
        draft.profile = profile_from_form(form) | {"trust_answer_hash": answer_hash}
        return next_step(draft)
    return render_template(
        "registration/profile.html", form=form, step=3, keeps_answer=kept_question is not None
    )


def profile_from_form(form: ProfileForm) -> dict:
    """The step-3 values to keep, cleaned and normalised (the answer excluded)."""
    return contact_from_form(form) | {
        "last_name": clean_text(form.last_name.data),
        "first_name": clean_text(form.first_name.data),
        "civility": form.civility.data,
        "foreign_company": bool(form.foreign_company.data),
        "company_id": form.cleaned["company_id"],
        "trust_question": form.trust_question.data,
    }


@bp.route("/confirmation", methods=["GET", "POST"])
@keeps_on_expiry(ConfirmForm)
@limiter.limit(CONFIRM_IP, methods=["POST"], key_func=by_ip)
def confirmation():
    """4ème étape : vérifiez votre saisie, puis validez."""
    draft, elsewhere = draft_for_step(4)
    if elsewhere:
        return elsewhere
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        confirmation = confirm_registration(draft)
        wizard.discard_draft(draft)
        wizard.save_receipt(
            confirmation.email, confirmation.registration_id, confirmation.deadline.isoformat()
        )
        return redirect(url_for("registration.waiting"))
    return render_template(
        "registration/confirmation.html",
        form=form,
        step=4,
        draft=draft,
        profile=draft.profile,
        country=country_name(draft.profile["country"]),
        question=translate(dict(TRUST_QUESTIONS)[draft.profile["trust_question"]]),
    )


@bp.route("/attente")
def waiting():
    """The seed's waiting page: the code is on its way, with its deadline."""
    receipt = wizard.load_receipt()
    if receipt is None:
        return redirect(url_for("main.subscription"))
    deadline = datetime.fromisoformat(receipt["deadline"])
    return render_template(
        "registration/waiting.html", email=receipt["email"], deadline=deadline, form=ResendForm()
    )


@bp.route("/attente/renvoyer", methods=["POST"])
@keeps_on_expiry(ResendForm)
@limiter.limit(RESEND, methods=["POST"], key_func=by_registration)
@limiter.limit(RESEND_IP, methods=["POST"], key_func=by_ip)
def resend():
    """« Renvoyer le code »: a new code, the old one dead, within the resend limits."""
    receipt = wizard.load_receipt()
    form = ResendForm()
    if receipt is None or not form.validate_on_submit():
        return redirect(url_for("registration.waiting"))
    registration = registration_by_id(receipt["registration_id"])
    if registration is None:
        flash(
            _(
                "Le délai de %(validity)s est dépassé et votre inscription a été effacée : "
                "recommencez votre inscription.",
                validity=activation_validity(),
            ),
            "warning",
        )
        return redirect(url_for("registration.terms"))
    # Limits of this waiting page, not of the registration: a sign-up for an address that
    # has a space (whose « already registered » notice is owed instead) must answer exactly
    # as a new one's, whatever was asked for that address elsewhere. The worker decides.
    outcome = take_resend(wizard.receipt_subject())
    if outcome.result is ResendResult.SENT:
        defer("resend", registration_id=registration.id)
        flash(
            _(
                "Un nouveau code d'activation vient de vous être envoyé. Le code précédent "
                "n'est plus valable."
            ),
            "success",
        )
    elif outcome.result is ResendResult.TOO_SOON:
        flash(
            _(
                "Un code vient de vous être envoyé : vous pourrez en demander un nouveau dans "
                "%(seconds)d secondes.",
                seconds=outcome.retry_after,
            ),
            "warning",
        )
    else:
        flash(
            _(
                "Vous avez demandé trop de codes aujourd'hui (5 au maximum par 24 heures). "
                "Réessayez dans %(hours)d heure(s).",
                hours=max(1, round(outcome.retry_after / 3600)),
            ),
            "error",
        )
    return redirect(url_for("registration.waiting"))


@deferred("resend")
def send_new_code(registration_id: int, ip: str | None, at: datetime) -> None:
    """In the worker: the code again if the sign-up is pending, else the owner's notice
    (within the daily mail cap of the address)."""
    registration = registration_by_id(registration_id)
    if registration is not None:
        owe_new_code(registration)
