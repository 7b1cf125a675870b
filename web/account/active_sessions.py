"""« Sessions actives »: the subscriber's live logins, each one or all the others to end.

A session is named by its public handle (web.core.sessions.session_handle), never by its id;
only the subscriber's own sessions can be found by it. An ended session's device is sent to
the login page on its next request (its Redis record is gone).
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from web.account.routes import bp, end_this_session
from web.core import audit, sessions
from web.core.expired_forms import keeps_on_expiry
from web.extensions import db


def device_name(entry: sessions.LoginSession) -> str:
    """« Chrome 131 sur Linux », with what the user agent told."""
    browser = entry.browser or _("Navigateur inconnu")
    if entry.system:
        return _("%(browser)s sur %(system)s", browser=browser, system=entry.system)
    return browser


@bp.route("/sessions")
@login_required
def active_sessions():
    """Every live session of the subscriber: device, masked IP, started, last seen."""
    entries = sessions.live_sessions(current_user.id, current=current_user.login_session)
    return render_template(
        "account/sessions.html",
        entries=entries,
        device_name=device_name,
        idle_minutes=current_app.config["SESSION_IDLE_SECONDS"] // 60,
        absolute_hours=current_app.config["SESSION_ABSOLUTE_SECONDS"] // 3600,
    )


@bp.route("/sessions/fermer", methods=["POST"])
@keeps_on_expiry()
@login_required
def end_session():
    """« Fermer cette session »: another device is logged out; this one is a logout."""
    found = sessions.find_session(current_user.id, request.form.get("session", ""))
    if found is None:
        flash(_("Cette session est déjà fermée : la liste ci-dessous est à jour."), "warning")
        return redirect(url_for("account.active_sessions"))
    session_id, entry = found
    if session_id == current_user.login_session:
        end_this_session()
        flash(_("Vous êtes déconnecté."), "success")
        return redirect(url_for("account.login"))
    if sessions.close_session(session_id):
        audit.record(current_user.id, "session_ended", f"{device_name(entry)}, {entry.ip}")
        db.session.commit()
        flash(_("La session %(device)s a été fermée.", device=device_name(entry)), "success")
    else:
        flash(_("Cette session est déjà fermée : la liste ci-dessous est à jour."), "warning")
    return redirect(url_for("account.active_sessions"))


@bp.route("/sessions/fermer-les-autres", methods=["POST"])
@keeps_on_expiry()
@login_required
def end_other_sessions():
    """« Fermer toutes les autres sessions »: every device but this one is logged out."""
    ended = sessions.close_all_sessions(current_user.id, keep=current_user.login_session)
    if ended:
        detail = ngettext("%(num)d session fermée", "%(num)d sessions fermées", ended)
        audit.record(current_user.id, "other_sessions_ended", detail)
        db.session.commit()
        flash(
            ngettext(
                "%(num)d autre session a été fermée.",
                "%(num)d autres sessions ont été fermées.",
                ended,
            ),
            "success",
        )
    else:
        flash(_("Aucune autre session n'était ouverte."), "info")
    return redirect(url_for("account.active_sessions"))
