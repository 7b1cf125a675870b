"""Public pages: "Professionnels", the subscription page, the conditions générales."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from web.core import i18n
from web.core.expired_forms import keeps_on_expiry
from web.core.terms import TERMS_VERSION
from web.core.version import app_version

bp = Blueprint("main", __name__)


@bp.route("/")
def landing():
    """The "Professionnels" landing page."""
    return render_template("main/landing.html")


@bp.route("/creer-mon-espace")
def subscription():
    """Création de votre espace abonné: the four steps and the two parts."""
    return render_template("main/subscription.html")


@bp.route("/conditions-generales")
def terms():
    """The full conditions générales d'utilisation."""
    return render_template("main/terms.html", terms_version=TERMS_VERSION)


@bp.route("/langue/<code>", methods=["GET", "POST"])
@keeps_on_expiry()
def switch_language(code: str):
    """The language switch: remember the choice (a cookie), back to the page (`next`).

    A link (GET) only sets the cookie. The logged-in header's button (POST, CSRF token) also
    makes it the language of the subscriber's mails: a link followed from anywhere must not
    change what is stored.
    """
    if code not in i18n.LANGUAGES:
        abort(404)
    if request.method == "POST":
        i18n.remember_preference(code)
        return i18n.remember_language(code, request.form.get("next"))
    return i18n.remember_language(code, request.args.get("next"))


@bp.route("/healthz")
def healthz():
    """Liveness: the process answers (the image's HEALTHCHECK), and which version it runs."""
    return {"status": "ok", "version": app_version()}
