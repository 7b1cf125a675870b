"""The printed registration form: its content, what it never shows, a PDF that fetches nothing."""

from __future__ import annotations

import io
import logging
import socket
from datetime import datetime

import pytest
import time_machine
from flask import Flask
from pypdf import PdfReader

from tests.factories import build_registration
from tests.support import PASSWORD
from web.core.registration_pdf import (
    RefusingURLFetcher,
    html_to_pdf,
    registration_form_html,
    registration_form_pdf,
)
from web.core.secrets.hashing import hasher
from web.domain.trust import normalise_answer
from web.models import Registration, RegistrationState

TRUST_ANSWER = "Caramel des Prés"
NUMBER = "20143060047878"
A4_POINTS = (595, 842)


def make_registration(app: Flask, **overrides) -> Registration:
    """An active registration with every field filled, hashed as the wizard stores them."""
    fields = {
        "terms_version": "2024-01",
        "terms_accepted_at": datetime(2014, 11, 1, 8, 0),
        "contact_email": "cabinet.lefevre@example.org",
        "address_complement": "Bâtiment B",
        "subscriber_number": NUMBER,
        "activated_at": datetime(2014, 11, 2, 9, 30),
        "created_at": None,
        "code_sent_at": None,
        "code_expires_at": None,
    }
    with app.app_context():
        fields["password_hash"] = hasher().hash(PASSWORD)
        fields["trust_answer_hash"] = hasher().hash(normalise_answer(TRUST_ANSWER))
        return build_registration(**{**fields, **overrides})


def pdf_text(pdf: bytes) -> str:
    """All the text a reader can extract from the PDF, metadata included, on one line."""
    reader = PdfReader(io.BytesIO(pdf))
    pages = " ".join(page.extract_text() for page in reader.pages)
    # Lines wrap where the layout decides; compare words, not line breaks.
    return " ".join(f"{pages} {reader.metadata}".split())


@pytest.fixture
def registration(app: Flask) -> Registration:
    return make_registration(app)


@pytest.fixture
def rendered(app: Flask, registration: Registration) -> tuple[str, bytes]:
    """The form as HTML and as PDF, rendered in a request context."""
    with app.test_request_context():
        return registration_form_html(registration), registration_form_pdf(registration)


def test_form_is_a_single_a4_page_pdf(rendered):
    _, pdf = rendered
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(box.width), round(box.height)) == A4_POINTS


def test_form_states_the_number_and_the_activation_date(rendered):
    html, pdf = rendered
    sentence = f"Votre inscription a été réalisée le 2 novembre 2014 sous le numéro {NUMBER}."
    for text in (html, pdf_text(pdf)):
        assert sentence in text
        assert "Ce numéro d'abonné vous est personnel et doit le rester." in text
        assert "il vous sera indispensable en cas de perte de votre mot de passe" in text


def test_form_shows_every_section_formatted(rendered):
    html, pdf = rendered
    text = pdf_text(pdf)
    expected = [
        "Formulaire d'inscription à l'espace abonné",
        "helene.lefevre@example.com",
        "Madame",
        "Lefèvre",
        "Hélène",
        "Non",
        "732 829 320",
        "+33 6 12 34 56 78",
        "cabinet.lefevre@example.org",
        "12 bis Rue des Lilas",
        "Bâtiment B",
        "75011 Paris",
        "France",
        "Quel était le nom de votre premier animal de compagnie ?",
        "espace-pro n'est pas un site officiel de l'administration.",
    ]
    for value in expected:
        assert value in text, value
    for section in ("Identifiants", "Usager", "Entreprise d'appartenance", "Contact"):
        assert f"<h2>{section}</h2>" in html.replace("&#39;", "'")


def test_form_never_shows_the_password_or_the_trust_answer(rendered, registration):
    html, pdf = rendered
    secrets = [
        PASSWORD,
        registration.password_hash,
        registration.trust_answer_hash,
        TRUST_ANSWER,
        normalise_answer(TRUST_ANSWER),
        "$argon2",
    ]
    for text in (html, pdf_text(pdf)):
        for secret in secrets:
            assert secret not in text
        assert "Mot de passe" not in text.replace("perte de votre mot de passe", "")


def test_activation_date_is_the_paris_calendar_day(app: Flask):
    # 23:30 UTC on 2 November is already 3 November in Paris (UTC+1 in winter).
    late = make_registration(app, activated_at=datetime(2014, 11, 2, 23, 30))
    with app.test_request_context():
        html = registration_form_html(late)
    assert "réalisée le 3 novembre 2014 sous le numéro" in html


def test_generation_time_is_printed_in_paris_time(app: Flask, registration: Registration):
    moment = datetime.fromisoformat("2026-07-01T10:05:00+00:00")
    with time_machine.travel(moment, tick=False), app.test_request_context():
        text = pdf_text(registration_form_pdf(registration))
    assert "espace-pro — document généré le 1 juillet 2026 à 12:05" in text


def test_markup_in_a_name_is_printed_literally(app: Flask):
    marked = make_registration(app, last_name="<b>Lefèvre</b>", first_name="<img src=x>")
    with app.test_request_context():
        html = registration_form_html(marked)
        text = pdf_text(registration_form_pdf(marked))
    assert "&lt;b&gt;Lefèvre&lt;/b&gt;" in html
    assert "<b>Lefèvre" not in html
    assert "&lt;img src=x&gt;" in html
    assert "<b>Lefèvre</b>" in text


def test_foreign_company_identifier_is_shown_as_stored(app: Flask):
    foreign = make_registration(
        app, foreign_company=True, company_id="DE123456789", country="DE", phone="+4930123456"
    )
    with app.test_request_context():
        text = pdf_text(registration_form_pdf(foreign))
    assert "Oui" in text
    assert "DE123456789" in text
    assert "Allemagne" in text
    assert "+49 30 123456" in text


def test_an_inactive_registration_has_no_form(app: Flask):
    pending = make_registration(
        app, state=RegistrationState.CODE_SENT, subscriber_number=None, activated_at=None
    )
    with app.test_request_context(), pytest.raises(ValueError, match="activated"):
        registration_form_html(pending)


@pytest.mark.parametrize(
    "url",
    ["http://example.com/logo.png", "https://example.com/a.css", "file:///etc/passwd", "data:,x"],
)
def test_fetcher_refuses_every_url(url: str):
    with pytest.raises(PermissionError, match="refusée"):
        RefusingURLFetcher().fetch(url)


def test_pdf_rendering_opens_no_connection_for_external_resources(monkeypatch, caplog):
    connections: list[object] = []

    def record_connect(sock, address):
        connections.append(address)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", record_connect)
    html = (
        '<html><head><link rel="stylesheet" href="http://example.com/evil.css"></head>'
        '<body><p>Bonjour</p><img src="http://example.com/tracker.png">'
        '<img src="file:///etc/passwd"></body></html>'
    )
    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        pdf = html_to_pdf(html)

    assert pdf.startswith(b"%PDF")
    assert "Bonjour" in pdf_text(pdf)
    assert connections == []
    refused = [record.getMessage() for record in caplog.records]
    assert any("refusée" in message and "tracker.png" in message for message in refused)
    assert any("refusée" in message and "/etc/passwd" in message for message in refused)
