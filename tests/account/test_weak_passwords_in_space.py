"""Issue 12 point 12 in the space: a new password is judged with the subscriber's own data
(names, street, postal code, city, SIREN) as context, not only the login address."""

from __future__ import annotations

import re

import pytest

from tests.account.spaces import browser, page
from tests.support import PASSWORD, log_in, post_form
from web.domain.passwords import COMMON_WITH_DIGITS, WEAK_PERSONAL

URL = "/espace/mot-de-passe"


def change(client, new: str):
    return post_form(
        client,
        URL,
        {"current_password": PASSWORD, "new_password": new, "new_password_confirm": new},
    )


def field_error(html: str, field: str) -> str:
    """The message shown beside a field (empty when there is none)."""
    match = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


@pytest.mark.parametrize(
    ("new", "message"),
    [
        # Hélène Lefèvre, 12 bis rue des Lilas, 75011 Paris, SIREN 732 829 320.
        ("Lilas75011", WEAK_PERSONAL),
        ("732829320Lilas", WEAK_PERSONAL),
        ("Soleil2024", COMMON_WITH_DIGITS),
    ],
)
def test_a_weak_new_password_is_refused_and_the_old_one_still_works(
    app, client, subscriber, new, message
):
    log_in(client)

    response = change(client, new)

    assert response.status_code == 200
    assert field_error(page(response), "new_password") == f"Erreur : {message}"
    assert log_in(browser(app)).status_code == 302
    assert log_in(browser(app), password=new).status_code == 401


def test_her_street_is_only_her_data_for_her(app, client, subscriber):
    log_in(client)

    response = change(client, "Lilas75011Qx")

    assert response.status_code == 302
    assert log_in(browser(app), password="Lilas75011Qx").status_code == 302
