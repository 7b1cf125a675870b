"""The whole happy path in a real browser, as a person walks it, with the README's screenshots.

Landing → « Créer mon espace » → the four steps → the waiting page → the code read from the
received mail → activation through the mail's link → subscriber number → log in → a dossier
→ an online service → the registration form as a PDF → log out.
"""

from __future__ import annotations

import io
import re
from uuid import uuid4

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.live import (
    CREATE_SPACE,
    LiveStack,
    Person,
    click_button,
    fill_credentials,
    fill_profile,
    heading,
    labelled,
)

MOBILE = {"width": 375, "height": 800}
SUBSCRIBER_NUMBER = re.compile(r"^\d{14}$")


def test_a_professional_signs_up_activates_adds_a_dossier_and_logs_out(
    page: Page, live_stack: LiveStack, shoot
) -> None:
    person = Person(email=f"helene.lefevre-{uuid4().hex[:6]}@example.com")
    _sign_up(page, live_stack, person, shoot)
    number = _activate_from_the_mail(page, live_stack, person, shoot)
    _log_in(page, person, number, shoot)
    _add_a_dossier_and_adhere(page, shoot)
    _download_the_registration_form(page, number)
    _log_out(page, live_stack, shoot)


def space_menu(page: Page):
    """The subscriber space's navigation."""
    return page.get_by_role("navigation", name="Votre espace abonné")


def _sign_up(page: Page, live_stack: LiveStack, person: Person, shoot) -> None:
    page.goto(live_stack.url("/"))
    expect(heading(page)).to_have_text("Professionnels")
    shoot("01-landing")

    page.get_by_role("link", name="Créer mon espace / adhérer aux services en ligne").click()
    expect(heading(page)).to_have_text("Création de votre espace abonné")
    shoot("02-subscription")

    page.get_by_role("link", name=CREATE_SPACE).click()
    expect(heading(page)).to_have_text("1ère étape : acceptez les conditions générales")
    page.get_by_label("Je reconnais avoir pris connaissance des conditions générales").check()
    shoot("03-step1-terms")
    click_button(page, "Valider")

    # 2ème étape, first with a mistyped confirmation: the message is beside the field.
    expect(heading(page)).to_have_text("2ème étape : créez vos identifiants")
    fill_credentials(page, person)
    labelled(page, "Confirmer votre mot de passe").fill(person.password + "x")
    click_button(page, "Valider")
    expect(page.get_by_role("heading", name="Le formulaire contient des erreurs")).to_be_visible()
    expect(page.locator("#password_confirm-error")).to_contain_text(
        "Les deux mots de passe ne sont pas identiques."
    )
    shoot("04-step2-errors")
    expect(labelled(page, "Votre adresse électronique")).to_have_value(person.email)
    labelled(page, "Votre mot de passe").fill(person.password)
    labelled(page, "Confirmer votre mot de passe").fill(person.password)
    click_button(page, "Valider")

    expect(heading(page)).to_have_text("3ème étape : remplissez votre formulaire d'inscription")
    # The contact address starts as the login address.
    expect(labelled(page, "Adresse électronique")).to_have_value(person.email)
    fill_profile(page, person)
    shoot("05-step3-form")
    page.set_viewport_size(MOBILE)
    shoot("12-step3-mobile")
    # Nothing wider than a phone's screen: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    page.set_viewport_size({"width": 1280, "height": 900})
    click_button(page, "Valider")

    # 4ème étape: the summary of what was typed.
    expect(heading(page)).to_have_text("Confirmez votre inscription")
    summary = page.locator("main")
    for shown in (
        person.last_name,
        person.first_name,
        "732 829 320",
        person.email,
        person.trust_question,
    ):
        expect(summary).to_contain_text(shown)
    expect(summary).not_to_contain_text(person.password)
    expect(summary).not_to_contain_text(person.trust_answer)
    shoot("06-confirmation")
    click_button(page, "Valider")

    expect(heading(page)).to_have_text("Activation de votre espace abonné")
    expect(page.locator("main")).to_contain_text(person.email)
    shoot("07-waiting")


def _activate_from_the_mail(page: Page, live_stack: LiveStack, person: Person, shoot) -> str:
    # The code, as the SMTP sink received it from the worker.
    code = live_stack.wait_for_code(person.email)

    page.goto(live_stack.url("/courriels/"))
    expect(heading(page)).to_have_text("Courriels envoyés")
    row = page.get_by_role("row").filter(has_text=person.email)
    expect(row).to_have_count(1)
    shoot("08-mailbox")
    row.get_by_role("link").click()
    text = page.locator("pre.devmail-text")
    expect(text).to_contain_text(code)
    expect(page.frame_locator("iframe.devmail-html").locator("body")).to_contain_text(code)
    shoot("09-activation-mail", tall=True)

    # The mail's link pre-fills the address; the person types the code.
    text.get_by_role("link").filter(has_text="/activation").first.click()
    expect(heading(page)).to_have_text("Activez votre espace abonné")
    assert "jeton" not in page.url  # the token left the address bar at once
    expect(labelled(page, "Adresse électronique")).to_have_value(person.email)
    labelled(page, "Code d'activation").fill(code)
    shoot("10-activation")
    click_button(page, "Valider")

    expect(heading(page)).to_have_text("Votre inscription")
    number = page.locator(".subscriber-number").inner_text()
    assert SUBSCRIBER_NUMBER.match(number), number
    shoot("11-success")
    return number


def _log_in(page: Page, person: Person, number: str, shoot) -> None:
    page.get_by_role("link", name="Accédez à votre espace abonné").click()
    expect(heading(page)).to_have_text("Accédez à votre espace abonné")
    labelled(page, "Adresse électronique").fill(person.email)
    labelled(page, "Mot de passe").fill(person.password)
    shoot("13-login")
    click_button(page, "Se connecter")

    expect(heading(page)).to_have_text("Mon espace abonné")
    expect(page.locator(".subscriber-number")).to_have_text(number)
    expect(page.locator("main")).to_contain_text(person.last_name)
    shoot("14-space-home")


def _add_a_dossier_and_adhere(page: Page, shoot) -> None:
    space_menu(page).get_by_role("link", name="Mes dossiers").click()
    expect(heading(page)).to_have_text("Mes dossiers")
    expect(page.locator(".dossiers-count")).to_contain_text("Aucun dossier dans votre espace")
    page.get_by_role("link", name="Ajouter un dossier").click()

    expect(heading(page)).to_have_text("Ajouter un dossier")
    labelled(page, "SIREN de l'entreprise").fill("732829320")
    labelled(page, "Nom du dossier (facultatif)").fill("Boulangerie des Lilas")
    shoot("15-dossier-add")
    click_button(page, "Ajouter le dossier")

    expect(heading(page)).to_have_text("Dossier 732 829 320")
    expect(page.get_by_role("status").filter(has_text="a été ajouté")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Boulangerie des Lilas")
    shoot("16-dossier")

    tva = page.locator("#service-tva")
    tva.get_by_label("Représentant légal").check()
    tva.get_by_role("button", name="Adhérer").click()
    expect(page.locator("main")).to_contain_text(
        "Adhésion enregistrée : « Déclarer et payer la TVA »."
    )
    expect(page.locator("#service-tva .service__status")).to_contain_text(
        "en tant que représentant légal"
    )
    shoot("17-adhesion")

    space_menu(page).get_by_role("link", name="Mes dossiers").click()
    dossier_row = page.get_by_role("row").filter(has_text="732 829 320")
    expect(dossier_row).to_contain_text("Boulangerie des Lilas")
    expect(dossier_row).to_contain_text("1 service")
    shoot("18-dossiers")


def _download_the_registration_form(page: Page, number: str) -> None:
    space_menu(page).get_by_role("link", name="Mon espace", exact=True).click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Sauvegardez ou imprimez votre formulaire").click()
    download = download_info.value
    assert download.suggested_filename == f"espace-pro-inscription-{number}.pdf"
    content = download.path().read_bytes()
    assert content.startswith(b"%PDF")
    text = "".join(page_.extract_text() for page_ in PdfReader(io.BytesIO(content)).pages)
    assert number in text


def _log_out(page: Page, live_stack: LiveStack, shoot) -> None:
    # The way out is in every page's header, beside the subscriber's name.
    account = page.get_by_role("navigation", name="Votre compte")
    expect(account).to_contain_text("Hélène Lefèvre")
    account.get_by_role("button", name="Se déconnecter").click()
    expect(heading(page)).to_have_text("Accédez à votre espace abonné")
    expect(page.locator("main")).to_contain_text("Vous êtes déconnecté.")
    shoot("19-logged-out")

    # The space is gone: neither the back button nor its address shows it again.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/espace/connexion"))
    expect(heading(page)).to_have_text("Accédez à votre espace abonné")
    expect(page.locator(".subscriber-number")).to_have_count(0)
    page.goto(live_stack.url("/espace/dossiers/"))
    expect(heading(page)).to_have_text("Accédez à votre espace abonné")
    expect(page.locator("main")).to_contain_text(
        "Veuillez vous connecter pour accéder à votre espace abonné."
    )

    # The login page's recovery links.
    page.get_by_role("link", name="Mot de passe oublié").click()
    expect(heading(page)).to_have_text("Mot de passe oublié")
    shoot("20-forgot-password")
    page.get_by_role("link", name="Numéro d'abonné oublié").click()
    expect(heading(page)).to_have_text("Numéro d'abonné oublié")
    shoot("21-forgot-number")
