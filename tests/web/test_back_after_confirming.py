"""Browser Back after « Valider » leads to the waiting page, not to a fresh step 1."""

from __future__ import annotations

import pytest

from tests.support import EMAIL


@pytest.mark.parametrize(
    "step", ["/inscription/confirmation", "/inscription/etape-3", "/inscription/etape-2"]
)
def test_back_from_the_waiting_page_shows_the_waiting_page(wizard, count, step):
    from web.models import Registration

    wizard.complete(EMAIL)
    response = wizard.client.get(step)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/inscription/attente")
    waiting = wizard.client.get("/inscription/attente").get_data(as_text=True)
    assert EMAIL in waiting
    assert "Veuillez d'abord compléter" not in waiting
    assert count(Registration) == 1


def test_step_one_still_starts_another_sign_up_after_one_is_made(wizard):
    wizard.complete(EMAIL)
    page = wizard.client.get("/inscription/etape-1")
    assert page.status_code == 200
    assert 'name="accept"' in page.get_data(as_text=True)
