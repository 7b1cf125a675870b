"""French error pages for every HTTP error and for unavailable backing services."""

from __future__ import annotations

import redis
from flask import Flask, g, has_request_context, render_template
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, InternalServerError

from web.core.translations import lazy_gettext as _l
from web.extensions import limiter

# ReadOnlyError: a write that reached a master turned replica, still so after the retries
# (a failover in progress, web/redis_client.py).
BACKEND_ERRORS = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.ReadOnlyError,
    OperationalError,
)

MESSAGES = {
    400: (_l("Requête invalide"), _l("La requête n'a pas pu être traitée.")),
    403: (_l("Accès refusé"), _l("Vous n'avez pas accès à cette page.")),
    404: (_l("Page introuvable"), _l("La page demandée n'existe pas ou a été déplacée.")),
    405: (_l("Méthode non autorisée"), _l("Cette page ne peut pas être utilisée de cette façon.")),
    413: (_l("Envoi trop volumineux"), _l("Les données envoyées dépassent la taille autorisée.")),
    415: (
        _l("Format non pris en charge"),
        _l("Ces données ne peuvent être envoyées que par le formulaire de la page."),
    ),
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


# The 503 page says "nothing was saved"; after a commit in the same request, it cannot.
MAYBE_SAVED = _l(
    "Le service est momentanément indisponible. Votre demande a peut-être déjà été "
    "enregistrée : attendez quelques instants et vérifiez-le avant de la refaire."
)


@event.listens_for(Session, "after_commit")
def _remember_commit(session: Session) -> None:
    """Note, for the error pages, that this request has saved something."""
    if has_request_context():
        g.committed = True


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
        from web.core.expired_forms import expired_form

        page = expired_form(error)
        if page is not None:
            return render_template("errors/form_expired.html", page=page), 400
        return render_error(
            400,
            _l("Le formulaire a expiré ou n'est plus valide. Rechargez la page et recommencez."),
        )

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error: RateLimitExceeded):
        from web.core.limits import retry_after, retry_message

        reset_at, seconds = retry_after()
        return (*render_error(429, retry_message(reset_at)), {"Retry-After": str(seconds)})

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        response = render_error(error.code or 500)
        if error.code == 405 and error.valid_methods:
            return (*response, {"Allow": ", ".join(error.valid_methods)})
        return response

    @app.errorhandler(redis.exceptions.ConnectionError)
    @app.errorhandler(redis.exceptions.TimeoutError)
    @app.errorhandler(redis.exceptions.ReadOnlyError)
    @app.errorhandler(OperationalError)
    def backend_unavailable(error: Exception):
        app.logger.warning("backing service unavailable: %s", type(error).__name__)
        # No rate-limit headers on this page: Flask-Limiter would read its window from the
        # same Redis after the view, and wait for its timeout once more (twice on a failure).
        limiter.context.reset()
        return render_error(503, MAYBE_SAVED if g.get("committed") else None)

    @app.errorhandler(InternalServerError)
    def error_outside_a_view(error: InternalServerError):
        # Raised after the view (an after-request hook, e.g. Flask-Limiter reading its
        # window for the headers): a backing service down there is still a 503.
        if isinstance(error.original_exception, BACKEND_ERRORS):
            return backend_unavailable(error.original_exception)
        return render_error(500)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error")
        return render_error(500)
