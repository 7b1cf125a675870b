"""Reading pages, mails and the PDF in English, and finding French left in them.

The check: once the markup is gone, no French msgid of the catalogue (its literal parts of
12 characters or more, for the entries whose English differs) and none of a few tell-tale
French words may show. The test identity is ASCII-only, so anything French comes from us.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from tests.support import WizardActions
from tests.web.pages import Node, Page

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "web" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MIN_FRAGMENT = 12
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")
TAG = re.compile(r"<[^>]+>")
WHITESPACE = re.compile(r"\s+")
# Words no English sentence here has; padded with spaces where they are short words.
TELLTALES = (" vous ", " votre ", " le code ", "é", "è", "à ")
# Attributes people read too (screen readers, tooltips, placeholders).
READ_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder")

# The test identity: ASCII only, nothing that looks French.
EMAIL = "ann.jones@example.com"
PROFILE = {
    "civility": "mme",
    "last_name": "Jones",
    "first_name": "Ann",
    "company_id": "732 829 320",
    "phone": "06 12 34 56 78",
    "contact_email": "ann.jones@example.com",
    "street_number": "221",
    "street_type": "",
    "street_name": "Baker Street",
    "address_complement": "",
    "postal_code": "75011",
    "city": "Paris",
    "country": "FR",
    "trust_question": "first_pet",
    "trust_answer": "Rex the dog",
}


def collapse(text: str) -> str:
    """Whitespace runs (no-break spaces included) as one space."""
    return WHITESPACE.sub(" ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


@lru_cache(maxsize=1)
def catalogue():
    """The English catalogue as Babel reads it."""
    with CATALOGUE.open("rb") as handle:
        return read_po(handle, locale="en")


def _ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


@lru_cache(maxsize=1)
def french_fragments() -> tuple[str, ...]:
    """The literal parts (placeholders and tags cut out) of the French msgids that have an
    English translation of their own, 12 characters or longer."""
    fragments: set[str] = set()
    for message in catalogue():
        if not message.id:
            continue
        for msgid, msgstr in zip(_ids(message), _strings(message), strict=False):
            if msgid == msgstr:
                continue  # "espace-pro", "SIREN", "Avenue": the same in both languages
            for part in PLACEHOLDER.split(TAG.sub(" ", msgid)):
                part = collapse(part)
                if len(part) >= MIN_FRAGMENT:
                    fragments.add(part)
    return tuple(sorted(fragments))


def french_in(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """The French the text still holds (msgid fragments, tell-tale words), `allowed` aside."""
    text = collapse(text)
    for permitted in allowed:
        text = text.replace(permitted, " ")
    padded = f" {text} "
    found = [fragment for fragment in french_fragments() if fragment in text]
    found += [word for word in TELLTALES if word in padded]
    return found


def _strip(node: Node) -> None:
    """Take out what is not ours to translate: the language switch (a name in its own
    language, checked apart) and the country list (proper names, e.g. "Réunion")."""
    node.children = [
        child
        for child in node.children
        if not (
            isinstance(child, Node)
            and (
                "language-switch" in child.classes()
                or (child.tag == "select" and child.attrs.get("id") == "country")
                or child.tag in ("script", "style")
            )
        )
    ]
    for child in node.children:
        if isinstance(child, Node):
            _strip(child)


def visible_text(markup: str) -> str:
    """What a person reads or hears on an HTML page or mail: text and read attributes."""
    page = Page(markup)
    _strip(page.root)
    spoken = [
        value
        for node in page.root.iter()
        for name, value in node.attrs.items()
        if name in READ_ATTRIBUTES and value
    ]
    return collapse(html.unescape(" ".join([page.root.text, *spoken])))


def assert_english(text: str, expect: str, allowed: Iterable[str] = ()) -> str:
    """Fail on any French in `text`; `expect` proves it is the page or mail meant."""
    text = collapse(text)
    assert expect in text, f"{expect!r} not found in: {text[:600]}"
    left = french_in(text, allowed)
    assert not left, f"untranslated French {left} in: {text[:1500]}"
    return text


def english_page(response, expect: str, status: int = 200) -> str:
    """The page's visible text, checked: the status, the English, the switch to French."""
    assert response.status_code == status, (response.status_code, response.location)
    markup = response.get_data(as_text=True)
    page = Page(markup)
    assert page.root.find_all("html")[0].attrs.get("lang") == "en"
    (switch,) = [node for node in page.root.iter() if "language-switch" in node.classes()]
    # A link; logged in, a form's button (it also stores the mails' language).
    (control,) = switch.find_all("a") or switch.find_all("button")
    assert control.text == "Français" and control.attrs.get("lang") == "fr"
    return assert_english(visible_text(markup), expect)


def english_mail(mail, expect: str) -> tuple[str, str]:
    """A received mail's subject, text and HTML parts, checked; returns (text, html text)."""
    subject = collapse(str(mail["Subject"]))
    assert not french_in(subject), f"French subject: {subject!r}"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    markup = mail.get_body(preferencelist=("html",)).get_content()
    assert '<html lang="en">' in markup
    return assert_english(text, expect), assert_english(visible_text(markup), expect)


def pdf_text(data: bytes) -> str:
    """The text of a PDF, every page."""
    from pypdf import PdfReader

    return collapse(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def english_browser(app: Flask) -> FlaskClient:
    """A new browser that chose English with the switch (its `lang` cookie)."""
    client = app.test_client()
    response = client.get("/langue/en")
    assert response.status_code == 302
    return client


def sign_up_in_english(client: FlaskClient, email: str = EMAIL, **overrides):
    """The four steps in English, validated; returns the waiting page."""
    wizard = WizardActions(client)
    wizard.accept_terms()
    wizard.credentials(email=email)
    wizard.post("/inscription/etape-3", {**PROFILE, **overrides})
    return wizard.confirm(follow=True)
