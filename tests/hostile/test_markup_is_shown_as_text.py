"""No HTML injection: markup typed in a name, an address or a dossier is refused or shown as
text — in every page that shows it, in the mails and in the PDF."""

from __future__ import annotations

import io
import re
from datetime import datetime
from types import SimpleNamespace

import pytest
from markupsafe import escape
from pypdf import PdfReader
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from mailer.render import TEMPLATES, render_mail
from tests.hostile.strategies import MARKUP
from tests.support import EMAIL, code_from, log_in, page_token, post_form
from tests.web.pages import refusal
from web.core.registration_pdf import registration_form_html
from web.extensions import db
from web.models import Registration

SCRIPT, BOLD, IMAGE = MARKUP
# Fields with no alphabet of their own: markup is plain text there, and must stay so.
MARKED_UP_ADDRESS = {"street_name": SCRIPT, "address_complement": IMAGE, "city": BOLD}
NAME_RULE = "ne peut contenir que des lettres, des espaces, des tirets et des apostrophes."


def shows_as_text(html: str, text: str) -> None:
    """The text is on the page, escaped: the browser shows it and builds no element."""
    assert text not in html, f"{text!r} is in the page as markup"
    assert str(escape(text)) in html, f"{text!r} is not on the page"


def pdf_text(data: bytes) -> str:
    """The PDF's text, whitespace removed (line breaks fall where the layout puts them)."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("payload", MARKUP, ids=["script", "bold", "img-onerror"])
@pytest.mark.parametrize("field", ["last_name", "first_name"])
def test_markup_in_a_name_is_refused_and_given_back_as_text(wizard, draft, field, payload):
    wizard.accept_terms()
    wizard.credentials()

    response = wizard.profile(**{field: payload})

    assert NAME_RULE in refusal(response, field)
    shows_as_text(response.get_data(as_text=True), payload)
    assert draft()["profile"] == {}


@pytest.fixture
def marked_up_space(app, client, wizard, outbox, run_worker):
    """A space signed up and activated with markup in its address; the pages on the way."""
    wizard.accept_terms()
    wizard.credentials(email=EMAIL)
    wizard.profile(**MARKED_UP_ADDRESS)
    pages = {"confirmation": client.get("/inscription/confirmation").get_data(as_text=True)}
    wizard.confirm()
    run_worker()
    (mail,) = outbox
    activated = post_form(
        client, "/activation/", {"email": EMAIL, "code": code_from(mail)}, follow=True
    )
    pages["success"] = activated.get_data(as_text=True)
    pages["activation pdf"] = client.get("/activation/formulaire.pdf").data
    return SimpleNamespace(pages=pages, mail=mail)


def test_markup_in_the_address_is_shown_as_text_on_the_confirmation_summary(marked_up_space):
    for payload in MARKED_UP_ADDRESS.values():
        shows_as_text(marked_up_space.pages["confirmation"], payload)


def test_markup_in_the_address_is_shown_as_text_in_the_space(app, marked_up_space):
    client = app.test_client()
    log_in(client)

    home = client.get("/espace/").get_data(as_text=True)
    contact = client.get("/espace/coordonnees").get_data(as_text=True)

    for payload in MARKED_UP_ADDRESS.values():
        shows_as_text(home, payload)
        shows_as_text(contact, payload)


def test_markup_in_the_address_is_plain_text_in_both_pdfs(app, marked_up_space):
    client = app.test_client()
    log_in(client)
    space_pdf = client.get("/espace/formulaire.pdf").data

    for data in (marked_up_space.pages["activation pdf"], space_pdf):
        text = pdf_text(data)
        for payload in MARKED_UP_ADDRESS.values():
            assert re.sub(r"\s+", "", payload) in text


def test_the_registration_form_html_escapes_the_address(app, marked_up_space):
    with app.app_context():
        registration = db.session.scalar(select(Registration))
        html = registration_form_html(registration)

    for payload in MARKED_UP_ADDRESS.values():
        shows_as_text(html, payload)


def test_the_activation_mail_carries_no_markup_from_the_address(marked_up_space):
    for part in ("plain", "html"):
        body = marked_up_space.mail.get_body(preferencelist=(part,)).get_content()
        for payload in MARKED_UP_ADDRESS.values():
            assert payload not in body


MAIL_TEMPLATES = sorted(path.stem for path in TEMPLATES.glob("*.html") if path.stem[0] != "_")


@pytest.mark.parametrize("name", MAIL_TEMPLATES)
def test_every_mail_template_escapes_what_it_shows_in_its_html_part(app, name):
    moment = datetime(2026, 11, 2, 9, 30)
    values = {
        key: SCRIPT
        for key in (
            "code",
            "activation_url",
            "landing_url",
            "new_code_url",
            "recovery_url",
            "reset_url",
            "login_url",
            "detail",
            "ip",
        )
    }
    values["what"] = "%(moment)s %(address)s"  # a security notice's sentence and its slots
    registration = SimpleNamespace(
        subscriber_number=SCRIPT, email=EMAIL, last_name=SCRIPT, first_name=SCRIPT
    )

    with app.app_context():
        message = render_mail(
            name,
            subject="Sujet",
            recipient=EMAIL,
            registration=registration,
            deadline=moment,
            changed_at=moment,
            event_at=moment,
            active=True,
            **values,
        )

    assert SCRIPT not in message.html
    if SCRIPT in message.body:  # a value the mail shows: escaped in the HTML part
        assert str(escape(SCRIPT)) in message.html


# --- dossiers: the label is free text, stored as typed ------------------------------------


@pytest.fixture
def marked_up_dossier(client, log_in_space):
    """A dossier named with markup, with an adhesion (added through the pages)."""
    added = post_form(
        client, "/espace/dossiers/ajouter", {"siren": "732829320", "label": IMAGE}, follow=True
    )
    dossier_url = added.request.path
    page = client.get(dossier_url).get_data(as_text=True)
    client.post(
        f"{dossier_url}/services/tva/adherer",
        data={"csrf_token": page_token(page), "tva-role": "mandataire"},
    )
    return SimpleNamespace(url=dossier_url, added=added.get_data(as_text=True))


@pytest.fixture
def log_in_space(client, subscriber_id):
    """The client, logged in to the space made in the database."""
    log_in(client)


def test_a_dossier_label_with_markup_is_shown_as_text_on_every_page(client, marked_up_dossier):
    pages = {
        "flash after adding": marked_up_dossier.added,
        "dossier": client.get(marked_up_dossier.url).get_data(as_text=True),
        "list": client.get("/espace/dossiers/").get_data(as_text=True),
        "search": client.get("/espace/dossiers/", query_string={"q": "img"}).get_data(as_text=True),
        "remove": client.get(f"{marked_up_dossier.url}/supprimer").get_data(as_text=True),
        "history": client.get("/espace/historique").get_data(as_text=True),
    }
    for where, html in pages.items():
        assert "onerror=alert(1)>" not in html, where
        shows_as_text(html, IMAGE)


def test_a_search_for_markup_is_given_back_as_text(client, marked_up_dossier):
    html = client.get("/espace/dossiers/", query_string={"q": SCRIPT}).get_data(as_text=True)

    shows_as_text(html, SCRIPT)
    assert "Aucun dossier ne correspond à « " in html


def test_the_history_of_a_removed_dossier_with_markup_shows_it_as_text(client, marked_up_dossier):
    page = client.get(f"{marked_up_dossier.url}/supprimer").get_data(as_text=True)
    client.post(f"{marked_up_dossier.url}/supprimer", data={"csrf_token": page_token(page)})

    history = client.get("/espace/historique").get_data(as_text=True)

    assert "Dossier supprimé" in history
    shows_as_text(history, IMAGE)


def test_markup_in_an_imported_file_is_shown_as_text_in_the_report(client, log_in_space):
    quoted = '"' + IMAGE.replace('"', '""') + '"'  # CSV quoting: the cell is the payload
    content = f"siren;nom\n732829320;{SCRIPT}\n552100554;{BOLD}\n12;{quoted}\n".encode()
    page = client.get("/espace/dossiers/importer").get_data(as_text=True)
    boundary, body = encode_multipart(
        {
            "csrf_token": page_token(page),
            "file": FileStorage(io.BytesIO(content), "clients.csv", content_type="text/csv"),
        }
    )
    report = client.post(
        "/espace/dossiers/importer",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )

    html = report.get_data(as_text=True)
    assert "2 dossiers ajoutés" in html
    for payload in MARKUP:
        shows_as_text(html, payload)
    listing = client.get("/espace/dossiers/").get_data(as_text=True)
    shows_as_text(listing, SCRIPT)
    shows_as_text(listing, BOLD)
