"""Plain helpers the tests share: test values, CSRF tokens, forms, the wizard walker, mails."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator

from flask.testing import FlaskClient
from stdnum import luhn

from bench.driver import PASSWORD as PASSWORD
from bench.driver import PROFILE
from web.core.logs import QUIET_LOGGERS

EMAIL = "helene.lefevre@example.com"
SECOND_EMAIL = "marc.dupont@example.com"
VALID_SIREN = "732829320"
SUBSCRIBER_NUMBER = "20263100000001"
TRUST_ANSWER = PROFILE["trust_answer"]
# What the developer's shell may point elsewhere: the embedded defaults are under test.
OUTSIDE_SETTINGS = (
    "REDIS_URL",
    "MAIL_SERVER",
    "MAIL_PORT",
    "DATABASE_URL",
    "DEV_MAILBOX_DIR",
    "APP_ENV",
    "SECRET_KEY",
    "INSTANCE_PATH",
    "PORT",
    "HOST",
)
CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*? value="([^"]+)"')
ANY_CSRF = re.compile(
    r'name="[\w-]*csrf_token"[^>]*value="([^"]+)"'
    r'|value="([^"]+)"[^>]*name="[\w-]*csrf_token"'
)


def csrf_token(html: str) -> str:
    """The CSRF token of the form on a page."""
    match = CSRF_PATTERN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def page_token(html: str) -> str:
    """A CSRF token from any form of the page (prefixed forms included)."""
    match = ANY_CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def token_of(client: FlaskClient, url: str) -> str:
    """The CSRF token of the form on the page at `url` ("" when it shows no form)."""
    html = client.get(url).get_data(as_text=True)
    return csrf_token(html) if 'name="csrf_token"' in html else ""


def valid_siren(seed: int) -> str:
    """A SIREN with a correct Luhn key, different for each seed."""
    base = f"{10_000_000 + seed:08d}"
    return base + luhn.calc_check_digit(base)


def post_form(
    client: FlaskClient, url: str, data: dict, follow: bool = False, action: str | None = None
):
    """GET a page for its CSRF token, then POST the form (to `action` when given)."""
    page = client.get(url)
    return client.post(
        action or url,
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data},
        follow_redirects=follow,
    )


def log_in(client: FlaskClient, email: str = EMAIL, password: str = PASSWORD, follow: bool = False):
    """Submit the login form."""
    return post_form(
        client, "/espace/connexion", {"email": email, "password": password}, follow=follow
    )


def logged_in(client: FlaskClient, email: str = EMAIL, **kwargs) -> FlaskClient:
    """Log the client in through the login page; fail loudly if that did not work."""
    response = log_in(client, email=email, **kwargs)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/espace/")
    return client


def credentials_data(email: str = EMAIL, password: str = PASSWORD) -> dict:
    """A valid step-2 form: the address and the password, each confirmed."""
    return {
        "email": email,
        "email_confirm": email,
        "password": password,
        "password_confirm": password,
    }


def profile_data(**overrides) -> dict:
    """A valid step-3 form (the bench walker's, with a contact address), any field overridden."""
    data = {**PROFILE, "contact_email": EMAIL, **overrides}
    return {key: value for key, value in data.items() if value is not None}


class WizardActions:
    """Walk the sign-up wizard as a browser would, CSRF tokens included."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def post(self, url: str, data: dict, follow: bool = False):
        """GET the page for its token, then POST the form."""
        page = self.client.get(url)
        token = csrf_token(page.get_data(as_text=True)) if page.status_code == 200 else ""
        return self.client.post(url, data={"csrf_token": token, **data}, follow_redirects=follow)

    def accept_terms(self, **kwargs):
        """Step 1: accept the terms."""
        return self.post("/inscription/etape-1", {"accept": "y"}, **kwargs)

    def credentials(
        self,
        email: str = EMAIL,
        password: str = PASSWORD,
        confirm_email: str | None = None,
        confirm_password: str | None = None,
        **kwargs,
    ):
        """Step 2: the address and the password, confirmed (or not) as given."""
        return self.post(
            "/inscription/etape-2",
            {
                "email": email,
                "email_confirm": email if confirm_email is None else confirm_email,
                "password": password,
                "password_confirm": password if confirm_password is None else confirm_password,
            },
            **kwargs,
        )

    def profile(self, follow: bool = False, **overrides):
        """Step 3: the valid registration form, with any field overridden."""
        return self.post("/inscription/etape-3", profile_data(**overrides), follow=follow)

    def confirm(self, **kwargs):
        """Step 4: « Valider » on the confirmation page."""
        return self.post("/inscription/confirmation", {}, **kwargs)

    def complete(self, email: str = EMAIL, password: str = PASSWORD, **profile_overrides):
        """Walk all four steps and validate; return the waiting page."""
        self.accept_terms()
        self.credentials(email=email, password=password)
        self.profile(**profile_overrides)
        return self.confirm(follow=True)


def code_from(message) -> str:
    """The activation code printed in a received mail's text part."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\b", text)
    assert match, "no activation code in the mail"
    return match.group(1)


def text_of(mail) -> str:
    """The plain-text part of a received mail."""
    return mail.get_body(preferencelist=("plain",)).get_content()


LOGGERS_CONFIGURED = ("", "espace_pro", "espace_pro.access", "gunicorn.error", *QUIET_LOGGERS)


@contextlib.contextmanager
def logging_restored() -> Iterator[None]:
    """Put back the handlers and levels of every logger configure_logging touches."""
    loggers = [logging.getLogger(name or None) for name in LOGGERS_CONFIGURED]
    saved = [(logger.handlers[:], logger.level, logger.propagate) for logger in loggers]
    try:
        yield
    finally:
        for logger, (handlers, level, propagate) in zip(loggers, saved, strict=True):
            logger.handlers[:] = handlers
            logger.propagate = propagate
            logger.setLevel(level)  # also clears the loggers' cached levels
