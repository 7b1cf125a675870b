"""Helpers for the two-step login tests: enrol through the pages, compute codes, log in."""

from __future__ import annotations

import html
import re
import time

import pyotp
from flask.testing import FlaskClient

from tests.support import log_in, post_form

KEY = re.compile(r'<code class="totp-key" id="totp-key">([A-Z2-7 ]+)</code>')
RECOVERY = re.compile(r"<li><code>([0-9A-Z]{5}-[0-9A-Z]{5})</code></li>")
SETUP = "/espace/securite/application"
SECOND_STEP = "/espace/connexion/verification"
CODES = "/espace/securite/codes-de-secours"


def key_on(page_html: str) -> str:
    """The key shown for manual entry, without its spaces."""
    match = KEY.search(page_html)
    assert match, "no key on the enrolment page"
    return match.group(1).replace(" ", "")


def code_for(secret: str, at: float | None = None) -> str:
    """What an authenticator app shows for this secret at `at` (now by default)."""
    return pyotp.TOTP(secret).at(time.time() if at is None else at)


def enrol(client: FlaskClient) -> tuple[str, list[str]]:
    """Turn the app on from the space; the secret and the recovery codes shown once."""
    secret = key_on(client.get(SETUP).get_data(as_text=True))
    response = post_form(client, SETUP, {"code": code_for(secret)})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.location.endswith(CODES)
    codes = RECOVERY.findall(client.get(CODES).get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def second_step(client: FlaskClient, code: str, recovery: bool = False):
    """Submit a code on the login's second page."""
    url = SECOND_STEP + ("?secours=1" if recovery else "")
    return post_form(client, url, {"code": code})


def log_in_with(client: FlaskClient, code: str, recovery: bool = False):
    """Password, then the second step with `code`."""
    response = log_in(client)
    assert response.status_code == 302 and response.location.endswith(SECOND_STEP)
    return second_step(client, code, recovery)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))
