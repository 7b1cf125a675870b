"""The error paths in a real browser: a bad SIREN, a wrong code, the back button, a 404."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from playwright.sync_api import Page, expect

from tests.browser.live import (
    STEP_3,
    LiveStack,
    activate,
    click_button,
    fill_profile,
    heading,
    labelled,
    log_in,
    new_person,
    reach_step_3,
    sign_up,
)

STEP_2 = "2ème étape : créez vos identifiants"
BAD_SIREN = "Le SIREN saisi n'est pas valide : vérifiez la clé de contrôle (dernier chiffre)."
REFUSED_CODE = (
    "L'adresse électronique ou le code d'activation est incorrect, ou ce code n'est plus valable."
)
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def test_invalid_siren_is_explained_beside_the_field_and_in_the_summary(
    page: Page, live_stack: LiveStack, shoot
) -> None:
    person = new_person()
    reach_step_3(page, live_stack, person)
    fill_profile(page, person)
    labelled(page, "S.I.R.E.N. ou équivalent").fill("732 829 321")  # wrong check digit
    click_button(page, "Valider")

    expect(heading(page)).to_have_text(STEP_3)
    summary = page.get_by_role("alert").filter(has_text="Le formulaire contient des erreurs")
    expect(summary.get_by_role("link")).to_have_text(f"S.I.R.E.N. ou équivalent : {BAD_SIREN}")
    siren = labelled(page, "S.I.R.E.N. ou équivalent")
    expect(siren).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#company_id-error")).to_have_text(f"Erreur : {BAD_SIREN}")
    # The rest of the form is kept; the field keeps what was typed, to correct it.
    expect(labelled(page, "Nom")).to_have_value(person.last_name)
    expect(labelled(page, "Ville")).to_have_value("Paris")
    expect(siren).to_have_value("732 829 321")
    shoot("22-step3-siren-error")

    siren.fill(person.siren)
    labelled(page, "Réponse").fill(person.trust_answer)
    click_button(page, "Valider")
    expect(heading(page)).to_have_text("Confirmez votre inscription")
    expect(page.locator("main")).to_contain_text("732 829 320")


def test_wrong_activation_code_is_refused_then_the_right_one_activates(
    page: Page, live_stack: LiveStack, shoot
) -> None:
    person = new_person()
    sign_up(page, live_stack, person)
    code = live_stack.wait_for_code(person.email)
    wrong = code[:-1] + next(ch for ch in CODE_ALPHABET if ch != code[-1])

    page.get_by_role("link", name="Activez votre espace abonné").click()
    expect(heading(page)).to_have_text("Activez votre espace abonné")
    labelled(page, "Adresse électronique").fill(person.email)
    labelled(page, "Code d'activation").fill(wrong)
    click_button(page, "Valider")
    expect(heading(page)).to_have_text("Activez votre espace abonné")
    expect(page.get_by_role("alert")).to_contain_text(REFUSED_CODE)
    expect(page.locator(".subscriber-number")).to_have_count(0)
    shoot("23-activation-wrong-code")

    labelled(page, "Code d'activation").fill(code)
    click_button(page, "Valider")
    expect(heading(page)).to_have_text("Votre inscription")
    expect(page.locator(".subscriber-number")).to_have_text(
        _subscriber_number(live_stack, person.email)
    )


def test_browser_back_in_the_wizard_keeps_the_data_and_registers_once(
    page: Page, live_stack: LiveStack
) -> None:
    person = new_person()
    reach_step_3(page, live_stack, person)

    # Back to step 2: the address is kept, the password too (its fields say so, empty).
    page.go_back()
    expect(heading(page)).to_have_text(STEP_2)
    expect(labelled(page, "Votre adresse électronique")).to_have_value(person.email)
    expect(page.locator("main")).to_contain_text(
        "Laissez ces deux champs vides pour conserver le mot de passe déjà saisi."
    )
    page.go_forward()
    expect(heading(page)).to_have_text(STEP_3)
    # Back again, and « Valider » as shown: the step is accepted, the password kept.
    page.go_back()
    expect(heading(page)).to_have_text(STEP_2)
    click_button(page, "Valider")
    expect(heading(page)).to_have_text(STEP_3)
    fill_profile(page, person)
    click_button(page, "Valider")
    expect(heading(page)).to_have_text("Confirmez votre inscription")

    # Back from the summary to step 3: the form is filled in, the answer kept; resubmit it.
    page.go_back()
    expect(heading(page)).to_have_text(STEP_3)
    expect(labelled(page, "Nom")).to_have_value(person.last_name)
    expect(labelled(page, "Libellé de la voie")).to_have_value("des Lilas")
    expect(page.locator("main")).to_contain_text(
        "Laissez vide pour conserver la réponse déjà saisie."
    )
    click_button(page, "Valider")
    expect(heading(page)).to_have_text("Confirmez votre inscription")
    click_button(page, "Valider")
    expect(heading(page)).to_have_text("Activation de votre espace abonné")

    # Back from the waiting page: the sign-up is made, so the waiting page shows again.
    page.go_back()
    expect(heading(page)).to_have_text("Activation de votre espace abonné")
    expect(page.locator("main")).to_contain_text(person.email)
    assert _registrations_and_mails(live_stack, person.email) == (1, 1)

    # The password typed once, before all the back and forth, is the one that works.
    activate(page, live_stack, person)
    log_in(page, live_stack, person)


def test_unknown_page_answers_a_french_404(page: Page, live_stack: LiveStack, shoot) -> None:
    response = page.goto(live_stack.url("/cette-page-n-existe-pas"))
    assert response is not None and response.status == 404
    expect(heading(page)).to_have_text("Page introuvable")
    expect(page.locator("main")).to_contain_text("Code d'erreur : 404")
    shoot("24-not-found")
    page.get_by_role("link", name="Retour à l'accueil").click()
    expect(heading(page)).to_have_text("Professionnels")


def _database(live_stack: LiveStack) -> sqlite3.Connection:
    """The stack's SQLite file, read-only."""
    path = live_stack.instance / "espace-pro.db"
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _registrations_and_mails(live_stack: LiveStack, email: str) -> tuple[int, int]:
    """How many registrations the address has, and how many mails are owed to them."""
    with closing(_database(live_stack)) as db:
        registrations = db.execute(
            "SELECT count(*) FROM registration WHERE email = ?", (email,)
        ).fetchone()[0]
        mails = db.execute(
            "SELECT count(*) FROM mail_outbox JOIN registration"
            " ON registration.id = mail_outbox.registration_id WHERE email = ?",
            (email,),
        ).fetchone()[0]
    return registrations, mails


def _subscriber_number(live_stack: LiveStack, email: str) -> str:
    with closing(_database(live_stack)) as db:
        return db.execute(
            "SELECT subscriber_number FROM registration WHERE email = ?", (email,)
        ).fetchone()[0]
