"""The invariants every answer and every saved row must keep, whatever was sent."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Flask
from hypothesis import event
from sqlalchemy import func, select
from stdnum.fr import siren

from tests.hostile.strategies import Submission, send
from web.domain.text import forbidden_character
from web.dossiers.catalogue import ROLES, service_named
from web.extensions import db
from web.models import Adhesion, AuditEvent, Dossier, MailOutbox, Registration

SUMMARY_HEADINGS = ("Le formulaire contient des erreurs", "L'adhésion n'a pas été enregistrée")
# WTForms', Flask-WTF's and Werkzeug's own English, which must never reach a page.
ENGLISH = (
    "This field is required",
    "Not a valid",
    "Invalid input",
    "Invalid value",
    "Invalid Choice",
    "Invalid choice",
    "Field must be",
    "Field cannot be",
    "The CSRF token",
    "CSRF token",
    "Invalid email",
    "File is required",
    "does not have an approved",
    "Bad Request",
    "Method Not Allowed",
    "Not Found",
    "Internal Server Error",
    "Too Many Requests",
    "Request Entity Too Large",
    "Unsupported Media Type",
    "Traceback",
)
SERVER_ERROR = ("Erreur du service", "Une erreur inattendue s'est produite")
FIELD_ERROR = re.compile(r'<p class="field-error"[^>]*>(.*?)</p>', re.S)
TAGS = re.compile(r"<[^>]+>")
REQUIRED_COLUMNS = (
    "email",
    "password_hash",
    "terms_version",
    "terms_accepted_at",
    "civility",
    "last_name",
    "first_name",
    "company_id",
    "phone",
    "contact_email",
    "city",
    "country",
    "trust_question",
    "trust_answer_hash",
    "created_at",
)


def check_answer(response, explained: bool = False) -> str:
    """Never a server error; a French page; every refused field with its French message.

    With ``explained``, the answer to a form the view processed must say something:
    an error summary, a notice, or a redirect. Returns the page's HTML.
    """
    assert response.status_code < 500, f"server error {response.status_code}"
    if 300 <= response.status_code < 400:
        assert response.headers.get("Location"), "a redirect without a Location"
        return ""
    html = response.get_data(as_text=True)
    for phrase in SERVER_ERROR:
        assert phrase not in html, "the 500 page was shown"
    if response.mimetype != "text/html":
        assert response.mimetype == "application/pdf", response.mimetype
        return ""
    assert '<html lang="fr">' in html, "not a French page of the app"
    for phrase in ENGLISH:
        assert phrase not in html, f"English text on the page: {phrase!r}"
    messages = [
        TAGS.sub("", text).replace("Erreur :", "").strip() for text in FIELD_ERROR.findall(html)
    ]
    if messages:
        assert any(heading in html for heading in SUMMARY_HEADINGS), "errors without a summary"
        assert all(messages), "a field marked in error without a message"
    if response.status_code >= 400:
        assert "<h1" in html, "an error answer without a title"
    if explained and response.status_code < 400:
        assert 'class="error-summary"' in html or 'class="notice' in html, (
            "a processed form answered without a word"
        )
    return html


def counts(app: Flask) -> dict[str, int]:
    """How many rows each table the forms write to holds."""
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Registration, MailOutbox, Dossier, Adhesion, AuditEvent)
        }


def check_rows(app: Flask) -> None:
    """No half-saved row: registrations complete, dossiers and adhesions well-formed."""
    with app.app_context():
        for registration in db.session.scalars(select(Registration)):
            missing = [name for name in REQUIRED_COLUMNS if getattr(registration, name) is None]
            assert not missing, f"registration {registration.id} saved without {missing}"
            for name in ("last_name", "first_name", "city", "street_name", "address_complement"):
                value = getattr(registration, name) or ""
                assert not forbidden_character(value), f"{name} saved with a control character"
        outbox_ids = set(db.session.scalars(select(MailOutbox.registration_id)))
        registration_ids = set(db.session.scalars(select(Registration.id)))
        assert outbox_ids <= registration_ids, "a mail owed to no registration"
        for dossier in db.session.scalars(select(Dossier)):
            assert siren.is_valid(dossier.siren), f"dossier saved with SIREN {dossier.siren!r}"
            assert len(dossier.label) <= 120 and not forbidden_character(dossier.label)
            assert dossier.label == dossier.label.strip()
        roles = {key for key, _ in ROLES}
        for adhesion in db.session.scalars(select(Adhesion)):
            assert service_named(adhesion.service) is not None, adhesion.service
            assert adhesion.role in roles, adhesion.role
            assert db.session.get(Dossier, adhesion.dossier_id) is not None
        db.session.rollback()


@dataclass(frozen=True)
class Outcome:
    """What one hostile submission did: the answer, its page, the rows it added."""

    response: object
    html: str
    added: dict[str, int]

    @property
    def location(self) -> str:
        """Where a redirect leads ("" when the answer is a page)."""
        return self.response.headers.get("Location", "")


def attempt(
    app: Flask, client, url: str, submission: Submission, token: str, foreign_token: str = ""
) -> Outcome:
    """Send the submission and check every invariant; what is not a browser's form saves nothing."""
    before = counts(app)
    response = send(client, url, submission, token, foreign_token)
    # Shown by --hypothesis-show-statistics: how the examples spread over the answers.
    event(f"{response.status_code} {response.headers.get('Location', '')}".strip())
    html = check_answer(response, explained=submission.transport.is_browser_like)
    check_rows(app)
    after = counts(app)
    added = {name: after[name] - before[name] for name in after}
    if not submission.transport.is_browser_like:
        assert not any(added.values()), f"saved from a {submission.transport}: {added}"
    return Outcome(response, html, added)
