"""Public pages: "Professionnels", the subscription page, the conditions générales."""

from __future__ import annotations

from flask import Blueprint, render_template

from web.terms import TERMS_VERSION

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


@bp.route("/healthz")
def healthz():
    """Liveness: the process answers (used by the compose healthcheck)."""
    return {"status": "ok"}
