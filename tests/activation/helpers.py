"""Activation test helpers: activate as a browser would, read the pages and the mails."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask.testing import FlaskClient

from tests.support import EMAIL as EMAIL
from tests.support import csrf_token
from tests.support import text_of as text_of
from tests.web.pages import Page

# Crockford base32 (no I, L, O, U), three groups of four: 12 characters, 60 bits.
CODE_PATTERN = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}\b")
ANY_CODE_PATTERN = re.compile(r"[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}")
# The one message every refused activation shows (wrong code, unknown address, expired).
REFUSED = (
    "L'adresse électronique ou le code d'activation est incorrect, ou ce code n'est plus valable."
)
BUSY = "Votre code est en cours de traitement"
ACTIVATED = "Votre inscription a été réalisée le"


def activate(client: FlaskClient, email: str, code: str, follow: bool = True):
    """Open the activation page, then submit the address and the code with its token."""
    page = client.get("/activation/")
    return client.post(
        "/activation/",
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), "email": email, "code": code},
        follow_redirects=follow,
    )


def refusal_text(response) -> str | None:
    """The text of the refusal message on an activation page (None when absent)."""
    node = Page(response).element("activation-refused")
    return node.text if node is not None else None


def activated_number(response) -> str | None:
    """The subscriber number the success page shows (None when not activated)."""
    html = response.get_data(as_text=True)
    if ACTIVATED not in html:
        return None
    match = re.search(r'class="subscriber-number">(\d+)<', html)
    assert match, "the success page shows no subscriber number"
    return match.group(1)


def mails_to(outbox: list, address: str) -> list:
    """The received mails addressed to one address, oldest first."""
    return [mail for mail in outbox if mail["To"] == address]


def html_of(mail) -> str:
    """The HTML part of a mail."""
    return mail.get_body(preferencelist=("html",)).get_content()


def resend(client: FlaskClient):
    """Click « Renvoyer le code » on the waiting page (its form's token) and follow."""
    page = Page(client.get("/inscription/attente"))
    (form,) = [
        node
        for node in page.main.find_all("form")
        if node.attrs.get("action") == "/inscription/attente/renvoyer"
    ]
    assert "Renvoyer le code" in form.text
    token = csrf_token(page.html)
    return client.post(
        "/inscription/attente/renvoyer", data={"csrf_token": token}, follow_redirects=True
    )


def ask_new_code(client: FlaskClient, email: str):
    """Ask for a new code on /activation/nouveau-code and follow."""
    page = client.get("/activation/nouveau-code")
    return client.post(
        "/activation/nouveau-code",
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), "email": email},
        follow_redirects=True,
    )


def activation_link(mail) -> str:
    """The href of the « Activez votre espace abonné » button of the HTML part (any language)."""
    links = [
        node
        for node in Page(html_of(mail)).root.find_all("a")
        if "/activation/?jeton=" in node.attrs.get("href", "")
    ]
    assert len(links) == 1, "the HTML part has one « Activez votre espace abonné » link"
    assert links[0].text in ("Activez votre espace abonné", "Activate your subscriber space")
    return links[0].attrs["href"]


def path_of(url: str) -> str:
    """The path and query of a URL, for the test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"
