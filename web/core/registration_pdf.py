"""The subscriber's "formulaire d'inscription": an HTML rendering and its PDF (WeasyPrint)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import weasyprint
from flask import render_template

from web.core.display import format_company_id, format_phone
from web.core.i18n import country_name, translate
from web.domain.address import STREET_TYPES
from web.domain.trust import TRUST_QUESTIONS
from web.models import Registration, utcnow

TEMPLATE = "pdf/registration_form.html"
STYLESHEET = Path(__file__).parent.parent / "static" / "css" / "pdf.css"

_STREET_TYPE_LABELS = {code: label for code, label in STREET_TYPES if code}
_TRUST_QUESTION_TEXTS = dict(TRUST_QUESTIONS)


class RefusingURLFetcher(weasyprint.URLFetcher):
    """A WeasyPrint fetcher that refuses every URL: no network, no file, no data: URI."""

    def fetch(self, url: str, headers: dict | None = None) -> weasyprint.urls.URLFetcherResponse:
        """Refuse ``url``; WeasyPrint logs the refusal and leaves the resource out."""
        # The form is self-contained (fonts come from fontconfig, the stylesheet from disk),
        # so any URL reaching here is a template mistake, never something to follow.
        raise PermissionError(f"Ressource externe refusée dans le PDF : {url}")


@dataclass(frozen=True)
class RegistrationForm:
    """What the printed form shows, and nothing else (no password, no trust answer)."""

    subscriber_number: str
    activated_at: datetime
    generated_at: datetime
    email: str
    civility: str
    last_name: str
    first_name: str
    foreign_company: bool
    company_id: str
    phone: str
    contact_email: str
    address_lines: tuple[str, ...]
    country: str
    trust_question: str


def _address_lines(registration: Registration) -> tuple[str, ...]:
    """The postal address as printed lines, empty parts left out (country apart)."""
    street_type = _STREET_TYPE_LABELS.get(registration.street_type or "", "")
    street = (registration.street_number, street_type, registration.street_name)
    town = (registration.postal_code, registration.city)
    lines = (
        " ".join(part for part in street if part),
        registration.address_complement or "",
        " ".join(part for part in town if part),
    )
    return tuple(line for line in lines if line)


def registration_form(registration: Registration, now: datetime | None = None) -> RegistrationForm:
    """Pick and format the values of an active registration for its printed form (in the
    page's language; the address keeps the French street type, as the post writes it)."""
    if not registration.subscriber_number or registration.activated_at is None:
        raise ValueError("Only an activated registration has a registration form.")
    return RegistrationForm(
        subscriber_number=registration.subscriber_number,
        activated_at=registration.activated_at,
        generated_at=now or utcnow(),
        email=registration.email or "",
        civility=registration.civility or "",
        last_name=registration.last_name or "",
        first_name=registration.first_name or "",
        foreign_company=bool(registration.foreign_company),
        company_id=format_company_id(registration.company_id, bool(registration.foreign_company)),
        phone=format_phone(registration.phone),
        contact_email=registration.contact_email or "",
        address_lines=_address_lines(registration),
        country=country_name(registration.country) if registration.country else "",
        trust_question=translate(_TRUST_QUESTION_TEXTS.get(registration.trust_question or "", "")),
    )


def registration_form_html(registration: Registration) -> str:
    """Render the registration form as HTML (needs an app context)."""
    # The template only ever sees the picked values, so it cannot leak a hash by mistake.
    return render_template(TEMPLATE, form=registration_form(registration))


def html_to_pdf(html: str) -> bytes:
    """Turn self-contained HTML into PDF bytes, styled by pdf.css, fetching no URL at all."""
    fetcher = RefusingURLFetcher()
    stylesheet = weasyprint.CSS(filename=STYLESHEET, url_fetcher=fetcher)
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[stylesheet])


def registration_form_pdf(registration: Registration) -> bytes:
    """Render the registration form as a PDF to save or print (needs an app context)."""
    return html_to_pdf(registration_form_html(registration))
