"""The returning subscriber in a real browser: from `/` back into the space and on to a
dossier without typing an address, a typo corrected from the summary, and a new login
address proven with the code mailed to it."""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from tests.browser.live import (
    LiveStack,
    activate,
    click_button,
    fill_profile,
    heading,
    labelled,
    new_person,
    reach_step_3,
    sign_up,
)
from tests.browser.live import (
    log_in as log_in_from_the_page,
)

SPACE = "Mon espace abonné"


def wait_for_subjects(stack: LiveStack, address: str, count: int) -> list[str]:
    """The subjects of the mails to `address`, once `count` of them arrived (30 s at most)."""
    deadline = time.monotonic() + 30
    while len(mails := stack.mails_to(address)) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    return [str(mail["Subject"]) for mail in mails]


def account_header(page: Page):
    """The header's account navigation, on every page."""
    return page.get_by_role("navigation", name="Votre compte")


def test_a_subscriber_who_activated_yesterday_goes_from_home_to_adding_a_dossier(
    page: Page, live_stack: LiveStack
) -> None:
    person = new_person("returning")
    sign_up(page, live_stack, person)
    activate(page, live_stack, person)
    page.context.clear_cookies()  # the next day: a browser with nothing kept

    page.goto(live_stack.url("/"))
    panel = page.get_by_role("region", name="J'ai déjà un espace")
    expect(panel.get_by_role("link", name="Mot de passe oublié")).to_be_visible()
    expect(panel.get_by_role("link", name="Numéro d'abonné oublié")).to_be_visible()
    account_header(page).get_by_role("link", name="Se connecter").click()
    expect(heading(page)).to_have_text("Accédez à votre espace abonné")
    labelled(page, "Adresse électronique").fill(person.email)
    labelled(page, "Mot de passe").fill(person.password)
    click_button(page, "Se connecter")

    # The space home leads to the next step: no dossier yet, the seed's sentence.
    expect(heading(page)).to_have_text(SPACE)
    expect(account_header(page)).to_contain_text(f"{person.first_name} {person.last_name}")
    next_step = page.locator(".next-step")
    expect(next_step).to_contain_text(
        "Vous pouvez dès maintenant ajouter des dossiers à ce compte."
    )
    next_step.get_by_role("link", name="Ajouter un dossier").click()
    expect(heading(page)).to_have_text("Ajouter un dossier")
    labelled(page, "SIREN de l'entreprise").fill("732829320")
    click_button(page, "Ajouter le dossier")
    expect(heading(page)).to_have_text("Dossier 732 829 320")

    # A public page knows who is there; « Mon espace » leads back to a summary.
    page.goto(live_stack.url("/"))
    expect(account_header(page).get_by_role("button", name="Se déconnecter")).to_be_visible()
    account_header(page).get_by_role("link", name="Mon espace").click()
    expect(heading(page)).to_have_text(SPACE)
    expect(page.locator(".dossiers-count")).to_contain_text("1 dossier dans votre espace")
    expect(
        page.locator(".next-step").get_by_role("link", name="Ajouter un dossier")
    ).to_be_visible()


def test_a_typo_in_the_address_is_corrected_from_the_summary_without_retyping_the_password(
    page: Page, live_stack: LiveStack
) -> None:
    person = new_person("typo")
    right = person.email
    person.email = right.replace("typo-", "tpyo-")
    reach_step_3(page, live_stack, person)
    fill_profile(page, person)
    click_button(page, "Valider")
    expect(heading(page)).to_have_text("Confirmez votre inscription")

    page.get_by_role("link", name="Modifier vos identifiants").click()
    expect(heading(page)).to_have_text("2ème étape : créez vos identifiants")
    person.email = right
    labelled(page, "Votre adresse électronique").fill(right)
    labelled(page, "Confirmer votre adresse électronique").fill(right)
    click_button(page, "Valider")  # the password fields left empty, as their hint says

    while heading(page).inner_text() != "Confirmez votre inscription":
        expect(page.locator("#error-summary")).to_have_count(0)
        click_button(page, "Valider")
    summary = page.locator("main")
    expect(summary).to_contain_text(right)
    expect(summary).not_to_contain_text("tpyo-")  # the contact address followed
    click_button(page, "Valider")
    expect(heading(page)).to_have_text("Activation de votre espace abonné")
    activate(page, live_stack, person)  # the code went to the corrected address
    log_in_from_the_page(page, live_stack, person)  # with the password typed the first time


def test_a_new_login_address_is_proven_with_its_code_then_used_to_log_in(
    page: Page, live_stack: LiveStack
) -> None:
    person = new_person("moving")
    sign_up(page, live_stack, person)
    activate(page, live_stack, person)
    log_in_from_the_page(page, live_stack, person)
    new_address = person.email.replace("moving-", "moved-")

    page.get_by_role("link", name="Modifier mon adresse de connexion").click()
    expect(heading(page)).to_have_text("Modifier mon adresse de connexion")
    labelled(page, "Mot de passe actuel").fill(person.password)
    labelled(page, "Nouvelle adresse électronique de connexion").fill(new_address)
    click_button(page, "Valider")
    expect(heading(page)).to_have_text("Confirmer la nouvelle adresse")
    code = live_stack.wait_for_code(new_address)
    labelled(page, "Code reçu à la nouvelle adresse").fill(code)
    click_button(page, "Valider")

    expect(heading(page)).to_have_text(SPACE)
    expect(page.get_by_role("status")).to_contain_text(
        f"Votre adresse de connexion est désormais {new_address}"
    )
    # The old address was told of the request and of the change (within the same second:
    # the Date headers do not order them).
    assert sorted(wait_for_subjects(live_stack, person.email, 3)) == [
        "Demande de changement de votre adresse de connexion espace-pro",
        "Votre adresse de connexion espace-pro a été modifiée",
        "Votre code d'activation espace-pro",
    ]
    account_header(page).get_by_role("button", name="Se déconnecter").click()
    person.email = new_address
    log_in_from_the_page(page, live_stack, person)
