"""Two-step login in a real browser: a subscriber turns the authenticator app on with a code
computed (pyotp) from the key the page shows, keeps the recovery codes (downloaded), logs
out, logs in with a code of the app, then again with a recovery code."""

from __future__ import annotations

import time

import pyotp
from playwright.sync_api import Page, expect

from tests.browser.live import LiveStack, activate, heading, labelled, log_in, new_person, sign_up

SECOND_STEP = "Deuxième étape de connexion"


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    expect(heading(page)).to_have_text("Accédez à votre espace abonné")


def password_step(page: Page, stack: LiveStack, email: str, password: str) -> None:
    page.goto(stack.url("/espace/connexion"))
    labelled(page, "Adresse électronique").fill(email)
    labelled(page, "Mot de passe").fill(password)
    labelled(page, "Mot de passe").press("Enter")
    expect(heading(page)).to_have_text(SECOND_STEP)


def test_enrol_then_log_in_with_the_app_and_with_a_recovery_code(
    page: Page, live_stack: LiveStack, tmp_path
) -> None:
    person = new_person("two-step")
    sign_up(page, live_stack, person)
    activate(page, live_stack, person)
    log_in(page, live_stack, person)

    page.get_by_role("navigation", name="Votre espace abonné").get_by_role(
        "link", name="Sécurité"
    ).click()
    expect(heading(page)).to_have_text("Sécurité")
    page.get_by_role("link", name="Activer la double authentification par application").click()
    expect(heading(page)).to_have_text("Activer la double authentification")
    expect(page.locator(".qr-code svg")).to_be_visible()
    assert (
        page.get_by_role("link", name="ajouter espace-pro à mon application")
        .get_attribute("href")
        .startswith("otpauth://totp/espace-pro:")
    )
    secret = page.locator("#totp-key").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    field = labelled(page, "Code à 6 chiffres affiché par l'application")
    expect(field).to_have_attribute("autocomplete", "one-time-code")
    expect(field).to_have_attribute("inputmode", "numeric")
    field.fill(totp.now())
    field.press("Enter")  # the keyboard alone sends the form

    expect(heading(page)).to_have_text("Vos codes de secours")
    codes = page.locator(".code-list code").all_inner_texts()
    assert len(codes) == 10
    expect(page.get_by_role("button", name="Imprimer")).to_be_visible()  # the static script ran
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger").click()
    saved = tmp_path / "codes.txt"
    download.value.save_as(saved)
    assert all(code in saved.read_text(encoding="utf-8") for code in codes)
    page.get_by_role("button", name="J'ai noté mes codes").click()
    expect(heading(page)).to_have_text("Sécurité")
    expect(page.locator("main")).to_contain_text("Codes de secours restants")
    log_out(page)

    # The password alone: the second page, and the space stays closed.
    password_step(page, live_stack, person.email, person.password)
    page.goto(live_stack.url("/espace/"))
    expect(heading(page)).to_have_text("Accédez à votre espace abonné")
    password_step(page, live_stack, person.email, person.password)
    # The keyboard alone: Tab reaches the field (its label read), then type and Enter.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "code":
            break
    expect(labelled(page, "Code à 6 chiffres de votre application")).to_be_focused()
    # The enrolment used this time step's code: the next step's is one step of drift away.
    page.keyboard.type(totp.at(time.time() + 30))
    page.keyboard.press("Enter")
    expect(heading(page)).to_have_text("Mon espace abonné")
    log_out(page)

    password_step(page, live_stack, person.email, person.password)
    page.get_by_role("link", name="Utiliser un code de secours").click()
    recovery = labelled(page, "Code de secours")
    recovery.fill(codes[0])
    recovery.press("Enter")
    expect(heading(page)).to_have_text("Mon espace abonné")
    page.goto(live_stack.url("/espace/historique"))
    expect(page.locator("main")).to_contain_text("Code de secours utilisé")
    expect(page.locator("main")).to_contain_text("Deuxième étape de connexion réussie")
