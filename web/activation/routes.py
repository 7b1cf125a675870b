"""The activation endpoint: address + activation code."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("activation", __name__, url_prefix="/activation")


@bp.route("/", methods=["GET", "POST"])
def activate():
    """Activez votre espace abonné."""
    return render_template("activation/activate.html")
