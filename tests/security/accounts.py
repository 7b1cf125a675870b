"""Helpers for the hardening tests: an active space made in the DB, Set-Cookie parsing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from flask.testing import FlaskClient

from tests.account.conftest import log_in
from tests.conftest import PASSWORD
from web.core.secrets.hashing import hash_secret, hasher
from web.core.terms import TERMS_VERSION
from web.extensions import db
from web.models import Dossier, Registration, RegistrationState

EMAIL = "helene.lefevre@example.com"
SUBSCRIBER_NUMBER = "20263100000001"


def make_active_space(app: Flask, with_dossier: bool = False) -> tuple[int, int | None]:
    """Insert an active space (and one dossier); return (registration id, dossier id)."""
    with app.app_context():
        now = datetime(2026, 11, 2, 9, 30)
        registration = Registration(
            state=RegistrationState.ACTIVE,
            email=EMAIL,
            password_hash=hash_secret(hasher(), PASSWORD),
            terms_version=TERMS_VERSION,
            terms_accepted_at=now,
            civility="mme",
            last_name="Lefèvre",
            first_name="Hélène",
            foreign_company=False,
            company_id="732829320",
            phone="+33612345678",
            contact_email=EMAIL,
            street_number="12 bis",
            street_type="rue",
            street_name="des Lilas",
            postal_code="75011",
            city="Paris",
            country="FR",
            trust_question="first_pet",
            trust_answer_hash=hash_secret(hasher(), "caramel des pres"),
            created_at=now,
            code_sent_at=now,
            activated_at=now,
            subscriber_number=SUBSCRIBER_NUMBER,
        )
        db.session.add(registration)
        db.session.flush()
        dossier_id = None
        if with_dossier:
            dossier = Dossier(
                registration_id=registration.id, siren="732829320", label="Boulangerie des Lilas"
            )
            db.session.add(dossier)
            db.session.flush()
            dossier_id = dossier.id
        db.session.commit()
        return registration.id, dossier_id


def logged_in(client: FlaskClient, **kwargs) -> FlaskClient:
    """Log the client in through the login page; fail loudly if that did not work."""
    response = log_in(client, email=EMAIL, **kwargs)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/espace/")
    return client


@dataclass(frozen=True)
class SetCookie:
    """One Set-Cookie header: name, value and attributes (names lower-cased)."""

    name: str
    value: str
    attributes: dict[str, str]

    @property
    def flags(self) -> set[str]:
        """The attribute names present (secure, httponly, path, ...)."""
        return set(self.attributes)


def set_cookies(response) -> dict[str, SetCookie]:
    """The cookies a response sets, by name."""
    found = {}
    for header in response.headers.getlist("Set-Cookie"):
        pair, *parts = [part.strip() for part in header.split(";")]
        name, _, value = pair.partition("=")
        attributes = {}
        for part in parts:
            key, _, attribute_value = part.partition("=")
            attributes[key.lower()] = attribute_value
        found[name] = SetCookie(name, value, attributes)
    return found


def browser_referer(page_url: str, policy: str | None) -> str | None:
    """The Referer a browser sends to the page's own origin under its Referrer-Policy."""
    if policy == "no-referrer":
        return None
    if policy in ("origin", "strict-origin"):
        scheme, _, rest = page_url.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}/"
    return page_url  # same-origin, strict-origin-when-cross-origin (the default), ...


def submit_like_a_browser(client: FlaskClient, url: str, data: dict, **kwargs):
    """GET the form, then POST it with the Referer a browser would send under the page's policy."""
    from tests.conftest import csrf_token

    page = client.get(url, **kwargs)
    assert page.status_code == 200, (url, page.status_code)
    headers = {}
    referer = browser_referer(page.request.url, page.headers.get("Referrer-Policy"))
    if referer is not None:
        headers["Referer"] = referer
    return client.post(
        url,
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data},
        headers=headers,
        follow_redirects=True,
        **kwargs,
    )
