"""Courriels envoyés: the local test mailbox, readable in the browser outside production."""

from __future__ import annotations

import mailbox
import os
import smtplib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mailer.devsink import MailSink
from tests.web.pages import Page
from web import create_app

LOCAL_ONLY = (
    "Ces courriels ont été reçus par la boîte de test locale ; ils ne sont pas partis sur Internet."
)
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
HOSTILE_HTML = (
    '<p>Bonjour Hélène,</p><script>document.title = "pwned"</script>'
    '<img src="https://tracker.example/pixel.gif" alt="">'
)


def activation_mail(
    to: str = "helene.lefevre@example.com",
    subject: str = "Votre code d'activation",
    html: str | None = None,
) -> EmailMessage:
    """An activation mail as the worker sends it."""
    message = EmailMessage()
    message["From"] = "espace-pro <no-reply@example.com>"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Tue, 14 Jul 2026 10:30:00 +0200"
    message.set_content(
        "Bonjour,\nvotre code d'activation : K7QM-4XPA-9RTD\n"
        "Activez votre espace : http://localhost/activation?code=K7QM\n"
    )
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


@pytest.fixture
def mailbox_dir(app: Flask) -> Path:
    """The Maildir the page reads (conftest points DEV_MAILBOX_DIR at a temporary one)."""
    return Path(app.config["DEV_MAILBOX_DIR"])


@pytest.fixture
def send(mailbox_dir: Path) -> Iterator[Callable[[EmailMessage], None]]:
    """Send mails over SMTP to a sink filing them in the app's Maildir."""
    sink = MailSink(mailbox_dir, port=0)
    sink.start()

    def deliver(message: EmailMessage) -> None:
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as client:
            client.send_message(message)

    yield deliver
    sink.stop()


@pytest.fixture
def file_mail(mailbox_dir: Path) -> Callable[[EmailMessage, datetime], str]:
    """File a mail straight into the Maildir as received at a given moment; return its key."""

    def add(message: EmailMessage, received_at: datetime) -> str:
        key = mailbox.Maildir(mailbox_dir, create=True).add(message.as_bytes())
        stamp = received_at.timestamp()
        os.utime(mailbox_dir / "new" / key, (stamp, stamp))
        return key

    return add


def open_only_mail(client: FlaskClient) -> Page:
    """Follow the single mail of the list to its page."""
    listing = Page(client.get("/courriels/"))
    (row,) = listing.main.find_all("tbody")[0].find_all("tr")
    (link,) = row.find_all("a")
    response = client.get(link.attrs["href"])
    assert response.status_code == 200
    return Page(response)


def test_an_empty_mailbox_says_nothing_was_received_yet(client: FlaskClient):
    response = client.get("/courriels/")

    assert response.status_code == 200
    page = Page(response)
    assert page.h1 == "Courriels envoyés"
    assert LOCAL_ONLY in page.text
    assert "Aucun courriel reçu pour l'instant." in page.text
    assert page.main.find_all("table") == []


def test_mails_the_sink_received_are_listed_with_recipient_and_subject(client: FlaskClient, send):
    send(activation_mail(to="helene.lefevre@example.com", subject="Votre code d'activation"))
    send(activation_mail(to="marc.dupont@example.com", subject="Vous avez déjà un espace"))

    page = Page(client.get("/courriels/"))
    rows = [
        [cell.text for cell in row.find_all("td")]
        for row in page.main.find_all("tbody")[0].find_all("tr")
    ]
    assert [(recipient, subject) for _, recipient, subject in rows] == [
        ("marc.dupont@example.com", "Vous avez déjà un espace"),
        ("helene.lefevre@example.com", "Votre code d'activation"),
    ]
    assert "Aucun courriel" not in page.text


def test_the_list_is_newest_first_with_dates_in_paris_time(client: FlaskClient, file_mail):
    file_mail(activation_mail(subject="Deuxième"), datetime(2026, 7, 14, 9, 0, tzinfo=UTC))
    file_mail(activation_mail(subject="Premier"), datetime(2026, 1, 5, 8, 15, tzinfo=UTC))
    file_mail(activation_mail(subject="Troisième"), datetime(2026, 7, 14, 9, 1, tzinfo=UTC))

    page = Page(client.get("/courriels/"))
    rows = [
        [cell.text for cell in row.find_all("td")]
        for row in page.main.find_all("tbody")[0].find_all("tr")
    ]
    assert [(date, subject) for date, _, subject in rows] == [
        ("14 juillet 2026 à 11:01", "Troisième"),  # CEST, UTC+2
        ("14 juillet 2026 à 11:00", "Deuxième"),
        ("5 janvier 2026 à 09:15", "Premier"),  # CET, UTC+1
    ]


def test_a_mail_page_shows_its_headers_and_its_text_version(client: FlaskClient, send):
    send(activation_mail(html="<p>Bonjour</p>"))

    page = open_only_mail(client)

    assert page.h1 == "Votre code d'activation"
    summary = page.main.find_all("dl")[0].text
    assert "De espace-pro <no-reply@example.com>" in summary
    assert "À helene.lefevre@example.com" in summary
    assert "Date Tue, 14 Jul 2026 10:30:00 +0200" in summary
    (text,) = page.main.find_all("pre")
    assert "votre code d'activation : K7QM-4XPA-9RTD" in text.text
    # The activation link is clickable, so the newcomer can walk the whole flow.
    assert [a.attrs["href"] for a in text.find_all("a")] == [
        "http://localhost/activation?code=K7QM"
    ]


def test_a_script_in_the_html_version_stays_inert_in_a_sandboxed_frame(client: FlaskClient, send):
    send(activation_mail(html=HOSTILE_HTML))

    page = open_only_mail(client)

    assert "<script" not in page.html  # escaped into the attribute, never markup of the page
    assert page.root.find_all("script") == []
    (frame,) = page.main.find_all("iframe")
    assert "sandbox" in frame.attrs and not frame.attrs["sandbox"]  # no allow-scripts
    # The frame loads the HTML-only route (its own policy), not a srcdoc under the page's CSP.
    assert "srcdoc" not in frame.attrs
    assert frame.attrs["src"] == page.link_to("Ouvrir la version HTML seule")
    assert client.get(frame.attrs["src"]).get_data(as_text=True).strip() == HOSTILE_HTML


def test_the_html_version_alone_is_served_under_a_policy_forbidding_scripts(
    client: FlaskClient, send
):
    send(activation_mail(html=HOSTILE_HTML))
    page = open_only_mail(client)

    response = client.get(page.link_to("Ouvrir la version HTML seule"))

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_data(as_text=True).strip() == HOSTILE_HTML


def test_a_text_only_mail_has_no_html_version(client: FlaskClient, send):
    send(activation_mail())

    page = open_only_mail(client)

    assert page.main.find_all("iframe") == []
    assert "Ce courriel n'a pas de version HTML." in page.text
    key = Page(client.get("/courriels/")).main.find_all("tbody")[0].find_all("a")[0]
    assert client.get(key.attrs["href"] + "/html").status_code == 404


@pytest.mark.parametrize("path", ["/courriels/inconnu", "/courriels/inconnu/html", "/courriels/.."])
def test_an_unknown_mail_is_not_found(client: FlaskClient, send, path: str):
    send(activation_mail())

    response = client.get(path)

    assert response.status_code == 404
    assert Page(response).h1 == "Page introuvable"


@pytest.mark.parametrize(
    "overrides",
    # Production with a mailbox refuses to start (tests/security/test_security_production.py).
    [{"APP_ENV": "production", "DEV_MAILBOX_DIR": None}, {"DEV_MAILBOX_DIR": None}],
    ids=["production", "no-mailbox"],
)
def test_the_page_does_not_exist_in_production_or_without_a_mailbox(
    app_config: dict, file_mail, overrides: dict
):
    file_mail(activation_mail(), datetime(2026, 7, 14, 9, 0, tzinfo=UTC))
    # app_config sets SECRET_KEY, which production requires.
    app = create_app({**app_config, **overrides})
    try:
        assert "devmail" not in app.blueprints
        response = app.test_client().get("/courriels/")
        assert response.status_code == 404
        assert "Votre code d'activation" not in response.get_data(as_text=True)
    finally:
        app.extensions["redis"].close()
