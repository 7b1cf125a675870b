"""« Modifier mon mot de passe »: the current one first, the policy, a mail, other sessions end."""

from __future__ import annotations

import re

import pytest

from tests.account.spaces import browser, is_logged_in, mails_to, page, text_of
from tests.support import EMAIL, PASSWORD, log_in, post_form

NEW_PASSWORD = "Heron58Quartz"
URL = "/espace/mot-de-passe"


def change(client, current: str = PASSWORD, new: str = NEW_PASSWORD, confirm: str | None = None):
    return post_form(
        client,
        URL,
        {
            "current_password": current,
            "new_password": new,
            "new_password_confirm": new if confirm is None else confirm,
        },
    )


def field_error(html: str, field: str) -> str:
    """The message shown beside a field (empty when there is none)."""
    match = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else ""


def test_a_wrong_current_password_is_refused_beside_its_field(
    app, client, subscriber, outbox, run_worker
):
    log_in(client)

    response = change(client, current="Mauvais99Mot")

    html = page(response)
    assert response.status_code == 200
    assert "Le mot de passe actuel est incorrect." in field_error(html, "current_password")
    assert field_error(html, "new_password") == ""
    run_worker()
    assert outbox == []
    assert log_in(browser(app)).status_code == 302  # the old password still opens the space
    assert log_in(browser(app), password=NEW_PASSWORD).status_code == 401


@pytest.mark.parametrize(
    ("new", "confirm", "field", "message"),
    [
        ("Ab1", None, "new_password", "Le mot de passe doit contenir au moins 8 caractères."),
        (
            "Abcdefgh1234567890xyz",
            None,
            "new_password",
            "Le mot de passe doit contenir au plus 20 caractères.",
        ),
        (
            "Kestrel42Vine!",
            None,
            "new_password",
            "Le mot de passe ne peut contenir que des lettres non accentuées et des chiffres.",
        ),
        ("password1", None, "new_password", "Ce mot de passe est trop courant"),
        (
            "Helene2024ab",
            None,
            "new_password",
            "Le mot de passe ne doit pas contenir votre adresse électronique.",
        ),
        (
            NEW_PASSWORD,
            "Heron58Quart",
            "new_password_confirm",
            "Les deux mots de passe ne sont pas identiques.",
        ),
    ],
    ids=["too-short", "too-long", "not-alphanumeric", "common", "contains-address", "mismatch"],
)
def test_a_new_password_against_the_policy_is_refused_and_nothing_changes(
    app, client, subscriber, new, confirm, field, message
):
    log_in(client)

    response = change(client, new=new, confirm=confirm)

    assert response.status_code == 200
    assert message in field_error(page(response), field)
    assert log_in(browser(app)).status_code == 302
    assert log_in(browser(app), password=new).status_code == 401


def test_a_changed_password_is_mailed_ends_other_sessions_and_keeps_this_one(
    app, client, subscriber, outbox, run_worker
):
    other = browser(app, "203.0.113.5")
    log_in(other)
    log_in(client)

    response = change(client)

    assert response.status_code == 302 and response.location.endswith("/espace/")
    home = page(client.get("/espace/"))
    assert "Votre mot de passe a été modifié. Vos autres sessions ont été fermées." in home
    assert is_logged_in(client)
    assert not is_logged_in(other)
    run_worker()
    (mail,) = mails_to(outbox, EMAIL)
    assert "a été modifié" in mail["Subject"]
    assert "a été modifié" in text_of(mail)
    assert "/recuperation/mot-de-passe" in text_of(mail)
    assert NEW_PASSWORD not in mail.as_string()


def test_after_a_change_only_the_new_password_opens_the_space(app, client, subscriber):
    log_in(client)
    change(client)

    assert log_in(browser(app)).status_code == 401
    assert log_in(browser(app), password=NEW_PASSWORD).status_code == 302
