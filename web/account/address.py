"""« Modifier mon adresse de connexion »: prove the new mailbox with a code, then move.

The current password comes first. The new address gets a code (1 hour, single use, kept
as a keyed hash: web/core/secrets/address_change.py); the login address is told of the
request and of the change, and keeps working until the code is typed. An address that
already belongs to another space gets the same page, and its owner a notice instead of a
code: nothing tells the asker that it is taken.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from web.account.auth import check_password
from web.account.forms import AddressCodeForm, LoginAddressForm
from web.account.routes import bp
from web.core import audit, sessions
from web.core.expired_forms import keeps_on_expiry
from web.core.limits import ADDRESS_CHANGE, by_subscriber
from web.core.notices import notify
from web.core.outbox import enqueue_outbox, owe_mail
from web.core.secrets import address_change
from web.core.secrets.address_change import AddressCheck
from web.core.subscribers import live_registration
from web.core.trusted_devices import trust_device
from web.domain.masking import mask_email
from web.extensions import db, limiter, redis_store
from web.models import MailKind

SHOWN = "address_change"  # the masked new address, for the code page


@bp.route("/adresse-de-connexion", methods=["GET", "POST"])
@keeps_on_expiry(LoginAddressForm)
@login_required
@limiter.limit(ADDRESS_CHANGE, methods=["POST"], key_func=by_subscriber)
def change_email():
    """Ask to move the space to another login address (current password required)."""
    subscriber = current_user
    form = LoginAddressForm(current_email=subscriber.email)
    if form.validate_on_submit():
        if not check_password(subscriber, form.current_password.data):
            form.current_password.errors.append(_("Le mot de passe actuel est incorrect."))
        else:
            _request_change(subscriber, form.normalised_email)
            session[SHOWN] = mask_email(form.normalised_email)
            return redirect(url_for("account.confirm_email"))
    return render_template("account/email.html", form=form)


def _request_change(subscriber, address: str) -> None:
    """Start the change, or tell the owner of the address; the asker sees no difference."""
    connection = redis_store.connection
    owner = live_registration(address)
    address_change.start(connection, subscriber.id, address)
    audit.record(subscriber.id, "email_change_requested", mask_email(address))
    owed = [owe_mail(subscriber, MailKind.EMAIL_CHANGE_REQUESTED)]
    if owner is None:
        owed.append(owe_mail(subscriber, MailKind.EMAIL_CHANGE_CODE, recipient=address))
    else:
        audit.record(owner.id, "email_claimed")
        owed.append(owe_mail(owner, MailKind.EMAIL_IN_USE))
    db.session.commit()
    for row in owed:
        enqueue_outbox(row)


@bp.route("/adresse-de-connexion/confirmer", methods=["GET", "POST"])
@keeps_on_expiry(AddressCodeForm)
@login_required
def confirm_email():
    """Type the code received at the new address: the space moves to it."""
    shown = session.get(SHOWN)
    if not shown:
        flash(_("Indiquez d'abord votre nouvelle adresse de connexion."), "warning")
        return redirect(url_for("account.change_email"))
    form = AddressCodeForm()
    if form.validate_on_submit():
        outcome, address = address_change.check(
            redis_store.connection, current_user.id, form.code.data
        )
        if outcome is AddressCheck.RIGHT:
            return _move(address)
        form.code.errors.append(_CHECK_MESSAGES[outcome]())
        if outcome is not AddressCheck.WRONG:
            session.pop(SHOWN, None)
    return render_template("account/email_confirm.html", form=form, shown=shown)


_CHECK_MESSAGES = {
    AddressCheck.WRONG: lambda: _("Ce code est incorrect. Vérifiez-le et saisissez-le à nouveau."),
    AddressCheck.MISSING: lambda: _(
        "Ce code n'est plus valable : il a expiré (1 heure), a déjà servi ou a été remplacé. "
        "Faites une nouvelle demande."
    ),
    AddressCheck.BURNED: lambda: _(
        "Trop de codes erronés : pour votre sécurité, cette demande est annulée. "
        "Faites une nouvelle demande."
    ),
}


def _move(address: str):
    """The new mailbox is proven: move the space, tell the old address, end other sessions."""
    subscriber = current_user
    session.pop(SHOWN, None)
    if live_registration(address) is not None:
        return _taken()
    former = subscriber.email
    subscriber.email = address
    if subscriber.contact_email == former:  # unless the person set it apart
        subscriber.contact_email = address
    audit.record(subscriber.id, "email_changed", mask_email(address))
    try:
        notify(subscriber, MailKind.EMAIL_CHANGED, recipient=former)
    except IntegrityError:  # taken by a sign-up committed at the same moment
        db.session.rollback()
        return _taken()
    sessions.close_all_sessions(subscriber.id, keep=subscriber.login_session)
    flash(
        _(
            "Votre adresse de connexion est désormais %(address)s. Vos autres sessions ont été "
            "fermées.",
            address=address,
        ),
        "success",
    )
    response = redirect(url_for("account.home"))
    # This browser keeps its own login allowance under the new address, as it had before.
    trust_device(request, response, address)
    return response


def _taken():
    flash(
        _(
            "Cette adresse est devenue celle d'un autre espace entre-temps : elle ne peut pas "
            "servir à vous connecter. Votre adresse de connexion n'a pas changé."
        ),
        "error",
    )
    return redirect(url_for("account.change_email"))
