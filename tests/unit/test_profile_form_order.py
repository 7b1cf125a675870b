"""Step 3 lists identity, then contact, then the trust question: so do its errors."""

from __future__ import annotations

from web.core.subscribers import PROFILE_COLUMNS
from web.registration.forms import ProfileForm


def test_step_three_fields_keep_the_page_order(app):
    with app.test_request_context():
        names = [field.name for field in ProfileForm(meta={"csrf": False})]
    # The stored columns are in the form's order; the form takes the answer, not its hash.
    assert names == [*PROFILE_COLUMNS[:-1], "trust_answer"]
    assert names[:3] == ["civility", "last_name", "first_name"]
    assert names.index("company_id") < names.index("phone")
