"""« Débloquer ma connexion »: the owner reopens, through their mailbox, a login that
strangers' failures closed to unknown devices, and their browser becomes a trusted one."""

from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from web.core import audit, login_throttle
from web.core.deferred import defer, deferred
from web.core.expired_forms import keeps_on_expiry
from web.core.forms import AddressForm
from web.core.limits import RECOVERY, RECOVERY_IP, by_ip, by_typed_address
from web.core.notices import notify
from web.core.secrets.tokens import TokenStatus
from web.core.secrets.unlock import read_unlock_token, use_unlock_token
from web.core.subscribers import active_subscriber
from web.core.trusted_devices import trust_device
from web.extensions import db, limiter, redis_store
from web.models import MailKind
from web.recovery.forms import UnlockForm
from web.recovery.routes import bp

# Mail bombing: at most this many unlock links per space and per hour (the daily cap too).
UNLOCK_MAILS_PER_HOUR = 3
UNLOCK_MAILS_KEY = "recovery:unlock-mails:{}"


def _may_mail(registration_id: int) -> bool:
    """Count an unlock mail against the space's hourly allowance."""
    key = UNLOCK_MAILS_KEY.format(registration_id)
    with redis_store.connection.pipeline() as pipe:
        pipe.set(key, 0, nx=True, ex=3600)
        pipe.incr(key)
        count = pipe.execute()[1]
    return count <= UNLOCK_MAILS_PER_HOUR


@bp.route("/deblocage", methods=["GET", "POST"])
@keeps_on_expiry(AddressForm)
@limiter.limit(RECOVERY, methods=["POST"], key_func=by_typed_address)
@limiter.limit(RECOVERY_IP, methods=["POST"], key_func=by_ip)
def unlock_request():
    """The address: if its space is closed to unknown devices, an unlock link is mailed."""
    form = AddressForm()
    if form.validate_on_submit():
        # Same page and same work whatever the address: the worker decides.
        defer("unlock_request", email=form.normalised_email)
        return render_template("recovery/unlock_sent.html", email=form.normalised_email)
    return render_template("recovery/unlock_request.html", form=form)


@deferred("unlock_request")
def send_unlock_link(email: str, ip: str | None, at: datetime) -> None:
    """In the worker: a link only when there is something to unlock (the daily cap bounds
    what strangers can cause)."""
    registration = active_subscriber(email)
    if (
        registration is not None
        and login_throttle.is_throttled(registration.email)
        and _may_mail(registration.id)
    ):
        audit.record(registration.id, "unlock_requested", ip=ip, at=at)
        db.session.commit()
        notify(registration, MailKind.UNLOCK_LINK)


@bp.route("/deblocage/lien", methods=["GET", "POST"])
@keeps_on_expiry()  # its only field is the link's token: never written back
def unlock():
    """The mailed link: a button spends it (mail scanners that open links spend nothing)."""
    form = UnlockForm()
    connection = redis_store.connection
    if request.method == "GET":
        form.token.data = request.args.get("jeton", "")
        check = read_unlock_token(connection, form.token.data)
    elif form.validate_on_submit():
        check = use_unlock_token(connection, form.token.data or "")
        if check.status is TokenStatus.VALID:
            registration = check.value
            login_throttle.clear_failures(registration.email)
            audit.record(registration.id, "login_unlocked")
            db.session.commit()
            flash(
                _(
                    "Votre connexion est débloquée, et cet appareil est désormais reconnu : "
                    "connectez-vous."
                ),
                "success",
            )
            response = redirect(url_for("account.login"))
            trust_device(request, response, registration.email)
            return response
    else:
        check = read_unlock_token(connection, form.token.data or "")
    if check.status is not TokenStatus.VALID:
        expired = check.status is TokenStatus.EXPIRED
        return render_template("recovery/unlock_error.html", expired=expired), 400
    return render_template("recovery/unlock.html", form=form)
