"""Step 3 lists identity, then contact, then the trust question: so do its errors."""

from __future__ import annotations

from web.registration.forms import ProfileForm


def test_step_three_fields_keep_the_page_order(app):
    with app.test_request_context():
        names = [field.name for field in ProfileForm(meta={"csrf": False})]
    assert names == [
        "civility",
        "last_name",
        "first_name",
        "foreign_company",
        "company_id",
        "phone",
        "contact_email",
        "street_number",
        "street_type",
        "street_name",
        "address_complement",
        "postal_code",
        "city",
        "country",
        "trust_question",
        "trust_answer",
    ]
