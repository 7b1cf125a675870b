"""Each field names what describes it (aria-describedby): its hint, then its error."""

from __future__ import annotations

import re

from tests.support import WizardActions


def described_by(html: str, field_id: str) -> str | None:
    tag = re.search(rf'<(?:input|select)[^>]*\bid="{field_id}"[^>]*>', html)
    assert tag, f"no field {field_id}"
    value = re.search(r'aria-describedby="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


def test_a_field_is_described_by_its_hint_then_its_error(wizard: WizardActions):
    wizard.accept_terms()
    wizard.credentials()
    page = wizard.client.get("/inscription/etape-3").get_data(as_text=True)
    assert described_by(page, "company_id") == "company_id-hint"
    assert described_by(page, "last_name") is None

    page = wizard.profile(company_id="123", last_name="").get_data(as_text=True)
    assert described_by(page, "company_id") == "company_id-hint company_id-error"
    assert described_by(page, "last_name") == "last_name-error"
    assert 'id="company_id-hint"' in page and 'id="company_id-error"' in page


def test_a_checkbox_is_described_by_its_error(wizard: WizardActions):
    page = wizard.post("/inscription/etape-1", {}).get_data(as_text=True)
    assert described_by(page, "accept") == "accept-error"
