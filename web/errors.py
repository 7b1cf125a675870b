"""French error pages for every HTTP error and for unavailable backing services."""

from __future__ import annotations

import redis
from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: (_l("Requête invalide"), _l("La requête n'a pas pu être traitée.")),
    403: (_l("Accès refusé"), _l("Vous n'avez pas accès à cette page.")),
    404: (_l("Page introuvable"), _l("La page demandée n'existe pas ou a été déplacée.")),
    405: (_l("Méthode non autorisée"), _l("Cette page ne peut pas être utilisée de cette façon.")),
    413: (_l("Envoi trop volumineux"), _l("Les données envoyées dépassent la taille autorisée.")),
    429: (_l("Trop de demandes"), _l("Vous avez fait trop de demandes. Réessayez plus tard.")),
    500: (
        _l("Erreur du service"),
        _l("Une erreur inattendue s'est produite. Réessayez plus tard."),
    ),
    503: (
        _l("Service momentanément indisponible"),
        _l(
            "Le service est momentanément indisponible. Rien n'a été enregistré : réessayez "
            "dans quelques instants."
        ),
    ),
}


def render_error(status: int, message: str | None = None) -> tuple[str, int]:
    """Render the French error page for an HTTP status."""
    title, default_message = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])
    body = render_template(
        "errors/error.html", status=status, title=title, message=message or default_message
    )
    return body, status


def register(app: Flask) -> None:
    """Install the handlers on the app."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400,
            _l("Le formulaire a expiré ou n'est plus valide. Rechargez la page et recommencez."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        response = render_error(error.code or 500)
        if error.code == 405 and error.valid_methods:
            return (*response, {"Allow": ", ".join(error.valid_methods)})
        return response

    @app.errorhandler(redis.exceptions.ConnectionError)
    @app.errorhandler(redis.exceptions.TimeoutError)
    @app.errorhandler(OperationalError)
    def backend_unavailable(error: Exception):
        app.logger.warning("backing service unavailable: %s", type(error).__name__)
        return render_error(503)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error")
        return render_error(500)
