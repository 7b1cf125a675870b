"""« Sauvegardez ou imprimez votre formulaire » from the space: a PDF with the number."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.support import PASSWORD, log_in


def test_the_space_offers_the_registration_form_as_a_pdf_attachment(client, subscriber):
    log_in(client)

    response = client.get("/espace/formulaire.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert subscriber.subscriber_number in disposition
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert subscriber.subscriber_number in text.replace(" ", "")
    assert "LEFÈVRE" in text.upper()
    assert PASSWORD not in text
    assert "caramel" not in text.casefold()  # nor the trust answer


def test_the_home_page_links_to_the_pdf(client, subscriber):
    log_in(client)

    html = client.get("/espace/").get_data(as_text=True)

    assert 'href="/espace/formulaire.pdf"' in html
    assert "Sauvegardez ou imprimez votre formulaire" in html
