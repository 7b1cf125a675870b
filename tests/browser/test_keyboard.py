"""The wizard with the keyboard alone, its error summary, progress and autocomplete hints.

Steps 2 and 3 are walked with page.keyboard only (Tab, Space, ArrowDown, typing, Enter): no
click, no fill. Each Tab must land on the next field in reading order, so a field that drops
out of the tab order, or a focus trap, fails the walk.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.live import (
    LiveStack,
    Person,
    accept_terms,
    activate,
    click_button,
    fill_credentials,
    heading,
    log_in,
    new_person,
    sign_up,
)
from web.core.subscribers import PROFILE_COLUMNS

FOCUSED = "document.activeElement.id"
STEP_2_FIELDS = ["email", "email_confirm", "password", "password_confirm"]
# Step 3 in reading order; civility's group is one Tab stop (its first radio, none checked).
STEP_3_FIELDS = ["civility-0", *PROFILE_COLUMNS[1:-1], "trust_answer"]
AUTOCOMPLETE = {
    # Identity and contact fields carry their WCAG 1.3.5 purpose. (Civility is a radio
    # group: HTML allows no autocomplete on radios, so no honorific-prefix there.)
    "/inscription/etape-2": {
        "email": "email",
        "email_confirm": "email",
        "password": "new-password",
        "password_confirm": "new-password",
    },
    "/inscription/etape-3": {
        "last_name": "family-name",
        "first_name": "given-name",
        "phone": "tel",
        "contact_email": "email",
        "street_name": "address-line1",
        "address_complement": "address-line2",
        "postal_code": "postal-code",
        "city": "address-level2",
        "country": "country",
    },
    "/espace/connexion": {"email": "username", "password": "current-password"},
    "/activation/": {"email": "email", "code": "one-time-code"},
    "/recuperation/mot-de-passe": {"email": "email"},
}


def focused(page: Page) -> str:
    return page.evaluate(FOCUSED)


def tab_to(page: Page, field_id: str, most: int = 12) -> None:
    """Tab from wherever the focus is until `field_id` has it (header links come first)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if focused(page) == field_id:
            return
    raise AssertionError(f"#{field_id} not reached in {most} Tabs (focus on {focused(page)!r})")


def next_field(page: Page, field_id: str) -> None:
    """One Tab must move the focus to `field_id`: the tab order follows the form."""
    page.keyboard.press("Tab")
    assert focused(page) == field_id, f"Tab went to {focused(page)!r}, not #{field_id}"


def submit_with_enter(page: Page) -> None:
    """Tab past the « Retour » link to the submit button and press Enter on it."""
    for _ in range(3):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "submit":
            with page.expect_navigation():
                page.keyboard.press("Enter")
            return
    raise AssertionError(f"no submit button after the last field (focus on {focused(page)!r})")


def type_step_2(page: Page, person: Person) -> None:
    values = [person.email, person.email, person.password, person.password]
    tab_to(page, STEP_2_FIELDS[0])
    for position, (field_id, value) in enumerate(zip(STEP_2_FIELDS, values, strict=True)):
        if position:
            next_field(page, field_id)
        page.keyboard.type(value)


def type_step_3(page: Page, person: Person) -> None:
    typed = {
        "last_name": person.last_name,
        "first_name": person.first_name,
        "company_id": person.siren,
        "phone": "06 12 34 56 78",
        "street_number": "12",
        "street_name": "des Lilas",
        "postal_code": "75011",
        "city": "Paris",
        "trust_answer": person.trust_answer,
    }
    tab_to(page, STEP_3_FIELDS[0], most=20)
    for position, field_id in enumerate(STEP_3_FIELDS):
        if position:
            next_field(page, field_id)
        if field_id == "civility-0":
            page.keyboard.press("Space")  # Madame
        elif field_id in ("street_type", "trust_question"):
            page.keyboard.press("ArrowDown")  # « Rue »; the second question
        elif field_id in typed:
            page.keyboard.type(typed[field_id])
    expect(page.locator("#civility-0")).to_be_checked()
    expect(page.locator("#street_type")).to_have_value("rue")
    expect(page.locator("#trust_question")).to_have_value("mother_maiden_name")


def test_steps_2_and_3_are_completed_with_the_keyboard_alone(
    page: Page, live_stack: LiveStack
) -> None:
    person = new_person("clavier")
    accept_terms(page, live_stack)

    type_step_2(page, person)
    submit_with_enter(page)
    expect(heading(page)).to_have_text("3ème étape : remplissez votre formulaire d'inscription")

    type_step_3(page, person)
    submit_with_enter(page)
    expect(heading(page)).to_have_text("Confirmez votre inscription")
    summary = page.locator("main")
    for shown in (
        "Madame",
        person.last_name,
        person.first_name,
        "732 829 320",
        "12 Rue des Lilas",
        "75011 Paris",
        "Quel est le nom de jeune fille de votre mère ?",
    ):
        expect(summary).to_contain_text(shown)


def check_error_summary(page: Page, expected_targets: list[str]) -> None:
    """Focus on the summary; a link per invalid field; each field tied to its message."""
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    assert focused(page) == "error-summary", f"focus on {focused(page)!r}, not the summary"
    links = summary.get_by_role("link")
    hrefs = [links.nth(n).get_attribute("href") for n in range(links.count())]
    assert hrefs == [f"#{target}" for target in expected_targets]
    for n, target in enumerate(expected_targets):
        field = page.locator(f"#{target}")
        expect(field).to_have_attribute("aria-invalid", "true")
        # A radio's message belongs to its group: the fieldset carries aria-describedby.
        is_radio = field.get_attribute("type") == "radio"
        field_id = target.removesuffix("-0") if is_radio else target
        described = page.locator(f"#{field_id}")
        message_id = f"{field_id}-error"
        assert message_id in (described.get_attribute("aria-describedby") or "").split()
        message = page.locator(f"#{message_id}")
        expect(message).to_be_visible()
        expect(links.nth(n)).to_contain_text(message.inner_text().removeprefix("Erreur :").strip())


def follow_summary_link(page: Page, position: int, target: str) -> None:
    """Tab into the summary's links and press Enter: the field gets the focus."""
    for _ in range(position + 1):
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(f"#{target}")).to_be_focused()


def test_errors_are_summarised_focused_and_tied_to_their_fields(
    page: Page, live_stack: LiveStack
) -> None:
    accept_terms(page, live_stack)
    tab_to(page, "password_confirm")
    submit_with_enter(page)
    check_error_summary(page, STEP_2_FIELDS)
    follow_summary_link(page, 2, "password")

    fill_credentials(page, new_person("erreurs"))
    click_button(page, "Valider")
    expect(heading(page)).to_have_text("3ème étape : remplissez votre formulaire d'inscription")
    tab_to(page, "trust_answer", most=30)
    submit_with_enter(page)
    missing = ["civility-0", "last_name", "first_name", "company_id", "phone", "city"]
    check_error_summary(page, [*missing, "trust_answer"])
    follow_summary_link(page, 0, "civility-0")


def test_the_progress_indicator_shows_the_step(page: Page, live_stack: LiveStack) -> None:
    page.goto(live_stack.url("/inscription/etape-1"))
    for step, name in ((1, "Conditions générales"), (2, "Identifiants")):
        if step == 2:
            page.locator("#accept").check()
            click_button(page, "Valider")
        steps = page.get_by_role("list", name=f"Étape {step} sur 4")
        expect(steps).to_be_visible()
        expect(page.get_by_text(f"Étape {step} sur 4", exact=True)).to_be_visible()
        expect(steps.get_by_role("listitem")).to_have_count(4)
        current = steps.locator("[aria-current=step]")
        expect(current).to_have_count(1)
        expect(current).to_have_text(name)
        expect(steps.get_by_role("listitem").nth(step - 1)).to_have_attribute(
            "aria-current", "step"
        )
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("list", name="Step 2 of 4")).to_be_visible()
    expect(page.locator("[aria-current=step]")).to_have_text("Login details")


def test_identity_and_contact_fields_declare_their_autocomplete(
    page: Page, live_stack: LiveStack
) -> None:
    def check(path: str) -> None:
        for field_id, token in AUTOCOMPLETE[path].items():
            expect(page.locator(f"#{field_id}")).to_have_attribute("autocomplete", token)

    accept_terms(page, live_stack)
    check("/inscription/etape-2")
    fill_credentials(page, new_person("autocomplete"))
    click_button(page, "Valider")
    expect(heading(page)).to_contain_text("3ème étape")
    check("/inscription/etape-3")
    for path in ("/espace/connexion", "/activation/", "/recuperation/mot-de-passe"):
        page.goto(live_stack.url(path))
        check(path)


def test_a_logged_in_subscriber_switches_language_with_the_keyboard(
    page: Page, live_stack: LiveStack
) -> None:
    person = new_person("switch")
    sign_up(page, live_stack, person)
    activate(page, live_stack, person)
    log_in(page, live_stack, person)
    # Logged in, the switch is a button (it stores the mails' language), not a link.
    expect(page.get_by_role("link", name="English")).to_have_count(0)
    switch = page.get_by_role("button", name="English")
    expect(switch).to_have_attribute("lang", "en")

    for _ in range(12):
        page.keyboard.press("Tab")
        if switch.evaluate("node => node === document.activeElement"):
            break
    expect(switch).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(heading(page)).to_have_text("My subscriber space")
    expect(page.get_by_role("button", name="Français")).to_be_visible()
