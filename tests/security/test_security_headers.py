"""Security headers on every response: CSP (no inline code), nosniff, referrer, HSTS, no-store."""

from __future__ import annotations

import mailbox
import re
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask, url_for
from werkzeug.routing import IntegerConverter

from tests.factories import create_active_space
from tests.support import SUBSCRIBER_NUMBER, logged_in
from tests.web.pages import Page
from web.extensions import db
from web.models import Adhesion

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'; "
    "base-uri 'none'"
)
# The dev mailbox's raw mail HTML keeps its own, narrower policy.
MAIL_HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
HSTS = "max-age=31536000; includeSubDomains"
# Same for every visitor: a cache may keep them (when they show no flashed message).
STORABLE = {"static", "main.landing", "main.subscription", "main.terms"}
# Stricter than same-origin where a view says so: only the origin from the recovery forms,
# nothing from the dev mailbox's raw mail HTML.
STRICTER_REFERRER = {"devmail.message_html": "no-referrer"}
TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
# What `script-src 'self'; style-src 'self'` would block in a page.
# A script from the site's own files (<script src=…>) is allowed by the CSP; inline code is not.
INLINE_CODE = re.compile(
    r"<script(?![^>]*\ssrc=)|<style|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.IGNORECASE
)
MAIL_HTML = '<p style="color: #1d3557">Bonjour Hélène,</p><style>p { margin: 0 }</style>'


def file_mail(app: Flask) -> str:
    """Put one mail with an HTML version in the dev mailbox; return its key."""
    message = EmailMessage()
    message["From"] = "espace-pro <no-reply@example.com>"
    message["To"] = "helene.lefevre@example.com"
    message["Subject"] = "Votre code d'activation"
    message.set_content("Bonjour,\nvotre code d'activation : K7QM-4XPA-9RTD\n")
    message.add_alternative(MAIL_HTML, subtype="html")
    box = mailbox.Maildir(app.config["DEV_MAILBOX_DIR"], create=True)
    try:
        return box.add(message)
    finally:
        box.close()


def every_get_url(app: Flask, values: dict) -> list[tuple[str, str]]:
    """(endpoint, URL) of every GET route of the URL map, arguments filled from `values`.

    An argument `values` lacks (a route added later) gets 1 or "x": most likely a 404 page,
    whose headers are checked all the same.
    """
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods:
                continue
            arguments = {
                name: values.get(name, 1 if isinstance(converter, IntegerConverter) else "x")
                for name, converter in rule._converters.items()
            }
            urls.append((rule.endpoint, url_for(rule.endpoint, **arguments)))
    return sorted(urls)


@pytest.fixture
def dossier_id(app: Flask) -> int:
    """An active space with one dossier; the dossier's id."""
    return create_active_space(app, with_dossier=True)[1]


@pytest.fixture
def adhesion_id(app: Flask, dossier_id: int) -> int:
    """The dossier's current adhesion to the VAT service; its id."""
    with app.app_context():
        adhesion = Adhesion(dossier_id=dossier_id, service="tva", role="mandataire")
        db.session.add(adhesion)
        db.session.commit()
        return adhesion.id


@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("who", ["anonymous", "subscriber"])
def test_every_get_route_answers_with_the_security_headers(
    app, client, dossier_id, adhesion_id, who, scheme
):
    visitor = logged_in(client) if who == "subscriber" else client
    # "code": the language switch (French, so the walk stays in the default language).
    values = {
        "filename": "css/app.css",
        "key": file_mail(app),
        "dossier_id": dossier_id,
        "adhesion_id": adhesion_id,
        "code": "fr",
    }
    urls = every_get_url(app, values)
    assert len(urls) >= 25 and "devmail.message_html" in dict(urls)

    statuses = {}
    for endpoint, url in urls:
        response = visitor.get(url, base_url=f"{scheme}://localhost")
        response.get_data()  # read whole, so the static file is closed
        response.close()
        statuses[endpoint] = response.status_code
        headers = response.headers
        where = f"{endpoint} ({url}, {response.status_code})"
        expected_csp = MAIL_HTML_CSP if endpoint == "devmail.message_html" else CSP
        assert headers.get("Content-Security-Policy") == expected_csp, where
        assert headers.get("X-Content-Type-Options") == "nosniff", where
        referrer = "strict-origin" if endpoint.startswith("recovery.") else "same-origin"
        assert headers.get("Referrer-Policy") == STRICTER_REFERRER.get(endpoint, referrer), where
        if scheme == "https":
            assert headers.get("Strict-Transport-Security") == HSTS, where
        else:
            assert "Strict-Transport-Security" not in headers, where
        if endpoint in STORABLE:
            # Unless it shows a message flashed by an earlier redirect (to this visitor only),
            # or names the logged-in subscriber in its header.
            personal = (who == "subscriber" and endpoint != "static") or (
                response.mimetype == "text/html" and Page(response).notices()
            )
            assert ("no-store" in headers.get("Cache-Control", "")) == bool(personal), where
        else:
            assert headers.get("Cache-Control") == "no-store", where
        if response.mimetype == "text/html" and endpoint != "devmail.message_html":
            assert not INLINE_CODE.search(response.get_data(as_text=True)), where

    # The walk saw real pages, not only redirects to the login page.
    assert statuses["main.landing"] == statuses["static"] == statuses["devmail.message"] == 200
    if who == "subscriber":
        assert statuses["account.home"] == statuses["dossiers.show"] == 200
        assert statuses["dossiers.withdraw"] == 200
        assert statuses["account.history"] == statuses["account.registration_form"] == 200
        assert statuses["account.active_sessions"] == 200
        assert SUBSCRIBER_NUMBER in visitor.get("/espace/").get_data(as_text=True)
    else:
        assert statuses["account.home"] == statuses["dossiers.show"] == 302


def test_no_template_holds_inline_script_style_or_event_handler():
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)!r}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for match in INLINE_CODE.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_an_error_page_carries_the_headers_too(client):
    response = client.get("/page-qui-n-existe-pas")

    assert response.status_code == 404
    assert Page(response).h1 == "Page introuvable"
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_a_public_page_showing_a_flashed_message_is_not_stored(client):
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Vous êtes déconnecté.")]

    shown = client.get("/")
    again = client.get("/")

    assert Page(shown).notices() == ["Vous êtes déconnecté."]
    assert shown.headers["Cache-Control"] == "no-store"
    assert Page(again).notices() == []
    assert "Cache-Control" not in again.headers


def test_the_mail_frame_of_the_dev_mailbox_loads_the_route_with_its_own_policy(app, client):
    key = file_mail(app)

    page = Page(client.get(f"/courriels/{key}"))
    (frame,) = page.main.find_all("iframe")
    framed = client.get(frame.attrs["src"])

    # A srcdoc frame would inherit the page's policy and lose the mail's inline styles.
    assert "srcdoc" not in frame.attrs
    assert framed.get_data(as_text=True).strip() == MAIL_HTML
    assert framed.headers["Content-Security-Policy"] == MAIL_HTML_CSP
    assert framed.headers["Referrer-Policy"] == "no-referrer"
    assert framed.headers["Cache-Control"] == "no-store"
