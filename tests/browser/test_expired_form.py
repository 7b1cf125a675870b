"""In a real browser, a form whose session expired while it was open: « Votre session a
expiré » keeps what was typed (never the password) and « Envoyer à nouveau » finishes."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.live import (
    LiveStack,
    activate,
    click_button,
    heading,
    labelled,
    new_person,
    sign_up,
)


def test_a_login_sent_after_the_session_expired_goes_through_once_sent_again(
    page: Page, live_stack: LiveStack, shoot
) -> None:
    person = new_person("expire")
    sign_up(page, live_stack, person)
    activate(page, live_stack, person)
    page.goto(live_stack.url("/espace/connexion"))
    labelled(page, "Adresse électronique").fill(person.email)
    labelled(page, "Mot de passe").fill(person.password)
    page.context.clear_cookies()  # the session, and its CSRF secret, gone meanwhile

    click_button(page, "Se connecter")

    expect(heading(page)).to_have_text("Votre session a expiré")
    expect(page.locator("dl.summary")).to_contain_text(person.email)
    assert person.password not in page.content()
    shoot("expired-login")
    labelled(page, "Mot de passe").fill(person.password)
    click_button(page, "Envoyer à nouveau")
    expect(heading(page)).to_have_text("Mon espace abonné")
