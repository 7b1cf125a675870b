"""« Sessions actives » in a real browser: two devices logged in as one subscriber; from the
first, the list shows both, the other is ended, and its next page is the login page."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.live import LiveStack, activate, heading, log_in, new_person, sign_up

LOGIN = "Accédez à votre espace abonné"
DEVICE = re.compile(r"^Chrome \d+ sur Linux")


def test_a_subscriber_ends_the_session_of_another_device_which_then_meets_the_login_page(
    page: Page, live_stack: LiveStack, browser: Browser, browser_context_args: dict, shoot
) -> None:
    person = new_person("sessions")
    sign_up(page, live_stack, person)
    activate(page, live_stack, person)
    log_in(page, live_stack, person)
    other_device = browser.new_context(**browser_context_args)
    try:
        elsewhere = other_device.new_page()
        log_in(elsewhere, live_stack, person)

        # From the space's home, « Sécurité » leads to the list: both sessions, this one first.
        page.get_by_role("link", name="Voir mes sessions actives").click()
        expect(heading(page)).to_have_text("Sessions actives")
        lines = page.locator("tbody tr")
        expect(lines).to_have_count(2)
        expect(lines.first).to_contain_text("(cette session)")
        for index in range(2):
            expect(lines.nth(index).locator("td").first).to_have_text(DEVICE)
            expect(lines.nth(index).locator("td").nth(1)).to_have_text("127.0.x.x")
        expect(lines.nth(1)).not_to_contain_text("(cette session)")
        shoot("22-active-sessions")

        lines.nth(1).get_by_role("button", name=re.compile("^Fermer cette session")).click()
        expect(page.get_by_role("status")).to_have_text(
            re.compile(r"^La session Chrome \d+ sur Linux a été fermée\.$")
        )
        expect(page.locator("tbody tr")).to_have_count(1)
        expect(page.locator("tbody tr")).to_contain_text("(cette session)")
        expect(page.get_by_role("button", name="Fermer toutes les autres sessions")).to_have_count(
            0
        )

        # The other device's next click lands on the login page.
        elsewhere.get_by_role("navigation", name="Votre espace abonné").get_by_role(
            "link", name="Historique"
        ).click()
        expect(heading(elsewhere)).to_have_text(LOGIN)
        expect(elsewhere.locator("main")).to_contain_text(
            "Veuillez vous connecter pour accéder à votre espace abonné."
        )
        expect(elsewhere.get_by_role("button", name="Se déconnecter")).to_have_count(0)

        # This one is still in, and its history says what happened.
        page.get_by_role("navigation", name="Votre espace abonné").get_by_role(
            "link", name="Historique"
        ).click()
        expect(heading(page)).to_have_text("Historique")
        expect(page.locator("tbody tr").first).to_contain_text("Session fermée à distance")
    finally:
        other_device.close()
