"""The pages never load WeasyPrint (≈ 0.6 s of CPU per web process): only the PDF links do."""

from __future__ import annotations

import sys

from tests.support import VALID_SIREN, WizardActions


def test_the_confirmation_page_shows_siren_and_phone_without_weasyprint(
    wizard: WizardActions, monkeypatch
):
    wizard.accept_terms()
    wizard.credentials()
    wizard.profile(siren=VALID_SIREN, phone="01 23 45 67 89")
    # Importing WeasyPrint now fails, and so would a fresh import of the PDF module.
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    monkeypatch.delitem(sys.modules, "web.core.registration_pdf", raising=False)

    page = wizard.client.get("/inscription/confirmation")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "732 829 320" in html and "+33 1 23 45 67 89" in html
