"""Passkeys in Chromium: Chrome's virtual authenticator (DevTools Protocol, through
Playwright's CDP session) registers a passkey from « Sécurité », then serves as the login's
second step; a password alone never opens the space.

WebAuthn refuses an IP address as the relying party: this module starts its own stack with
PUBLIC_URL=http://localhost:PORT, and the browser uses that address. Its pages are also
audited with axe-core (injected from the app's own origin, so the CSP stays on).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import CDPSession, Page, Route, expect

from mailer.devsink import free_port
from tests.browser.live import (
    OUTSIDE_SETTINGS,
    PROJECT_ROOT,
    LiveStack,
    activate,
    click_button,
    heading,
    labelled,
    log_in,
    new_person,
    sign_up,
    stop,
    wait_for_port,
)
from tests.browser.test_accessibility import AXE_JS, AXE_RUN, WCAG_TAGS, describe
from web.core.limits import LIMIT_SETTINGS

AXE_PATH = "/__axe-for-tests.js"


@pytest.fixture(scope="module")
def localhost_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    """The embedded stack as tests/browser/conftest.py starts it, reached as localhost."""
    root = tmp_path_factory.mktemp("passkey-stack")
    instance = root / "instance"
    instance.mkdir()
    log_path = root / "devserver.log"
    port, mail_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in OUTSIDE_SETTINGS}
    env.update(
        PORT=str(port),
        MAIL_PORT=str(mail_port),
        INSTANCE_PATH=str(instance),
        PUBLIC_URL=f"http://localhost:{port}",
        ARGON2_MEMORY_KIB="1024",
        ARGON2_TIME_COST="1",
        **{name: "10000 per hour" for name in LIMIT_SETTINGS},
        PYTHONUNBUFFERED="1",
    )
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - this interpreter and a fixed module
            [sys.executable, "-m", "web.devserver"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
    stack = LiveStack(process, f"http://localhost:{port}", instance, log_path)
    try:
        wait_for_port(stack, port)
        yield stack
    finally:
        stop(process)


def virtual_authenticator(page: Page) -> tuple[CDPSession, str]:
    """A platform authenticator that verifies its user (as a fingerprint would)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


class Axe:
    """axe-core on the current page, served from the stack's own origin (CSP unchanged)."""

    def __init__(self, page: Page, stack: LiveStack) -> None:
        self.page, self.stack, self.findings = page, stack, []
        if AXE_JS.is_file():
            page.route(f"**{AXE_PATH}", self._serve)

    def _serve(self, route: Route) -> None:
        route.fulfill(path=AXE_JS, content_type="text/javascript")

    def check(self, label: str) -> None:
        if not AXE_JS.is_file():
            return
        self.page.wait_for_load_state()
        if not self.page.evaluate("typeof axe !== 'undefined'"):
            self.page.add_script_tag(url=self.stack.url(AXE_PATH))
        for violation in self.page.evaluate(AXE_RUN, WCAG_TAGS):
            self.findings.append(describe(label, self.page.url, violation))

    def assert_clean(self) -> None:
        assert not self.findings, "axe-core found:\n" + "\n".join(self.findings)


def password_step(page: Page, stack: LiveStack, email: str, password: str) -> None:
    page.goto(stack.url("/espace/connexion"))
    labelled(page, "Adresse électronique").fill(email)
    labelled(page, "Mot de passe").fill(password)
    click_button(page, "Se connecter")
    expect(heading(page)).to_have_text("Deuxième étape de connexion")


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    expect(heading(page)).to_have_text("Accédez à votre espace abonné")


def test_a_passkey_added_from_the_space_is_the_second_step_of_the_login(
    page: Page, localhost_stack: LiveStack
):
    stack = localhost_stack
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    cdp, authenticator = virtual_authenticator(page)
    axe = Axe(page, stack)
    person = new_person("passkey")
    sign_up(page, stack, person)
    activate(page, stack, person)
    log_in(page, stack, person)

    page.goto(stack.url("/espace/securite"))
    expect(page.get_by_text("Aucune clé d'accès n'est enregistrée.")).to_be_visible()
    page.get_by_role("link", name="Ajouter une clé d'accès").click()
    expect(heading(page)).to_have_text("Ajouter une clé d'accès")
    axe.check("add passkey")
    # A name is required: said beside the field, nothing asked of the authenticator.
    click_button(page, "Créer la clé d'accès")
    expect(page.locator("#name-js-error")).to_contain_text("Donnez un nom à cette clé d'accès")
    expect(labelled(page, "Nom de la clé d'accès")).to_have_attribute("aria-invalid", "true")
    axe.check("add passkey, no name")
    assert cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator}) == {
        "credentials": []
    }

    # With the keyboard only: type the name, Enter sends the form, the authenticator answers.
    labelled(page, "Nom de la clé d'accès").fill("Ordinateur <b>de</b> test")
    labelled(page, "Nom de la clé d'accès").press("Enter")
    # The first method: the recovery codes are shown once.
    expect(heading(page)).to_have_text("Vos codes de secours")
    (credential,) = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})[
        "credentials"
    ]
    assert credential["rpId"] == "localhost"
    page.goto(stack.url("/espace/securite"))
    row = page.locator("tr.passkey")
    expect(row).to_have_count(1)
    expect(row.locator("td").first).to_have_text("Ordinateur <b>de</b> test")
    expect(row).to_contain_text("Jamais")
    axe.check("security with a passkey")
    row.get_by_role("link", name=re.compile("^Supprimer")).click()
    expect(heading(page)).to_have_text("Supprimer la clé d'accès « Ordinateur <b>de</b> test »")
    expect(labelled(page, "Code de secours")).to_be_visible()  # the last method
    axe.check("remove passkey")
    page.get_by_role("link", name="Annuler").click()

    log_out(page)
    password_step(page, stack, person.email, person.password)
    # The password alone does not open the space.
    page.goto(stack.url("/espace/"))
    expect(heading(page)).not_to_have_text("Mon espace abonné")
    password_step(page, stack, person.email, person.password)
    axe.check("second step with a passkey")
    page.get_by_role("button", name="Utiliser ma clé d'accès").focus()
    page.keyboard.press("Enter")
    expect(heading(page)).to_have_text("Mon espace abonné")
    (credential,) = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})[
        "credentials"
    ]
    assert credential["signCount"] >= 1

    page.goto(stack.url("/espace/securite"))
    expect(page.locator("tr.passkey")).not_to_contain_text("Jamais")
    page.goto(stack.url("/espace/historique"))
    expect(page.locator("main")).to_contain_text("Ordinateur <b>de</b> test")
    assert errors == []
    axe.assert_clean()


def test_a_refused_passkey_says_so_and_the_login_waits(page: Page, localhost_stack: LiveStack):
    stack = localhost_stack
    virtual_authenticator(page)
    person = new_person("passkey-no")
    sign_up(page, stack, person)
    activate(page, stack, person)
    log_in(page, stack, person)
    page.goto(stack.url("/espace/securite/cles-d-acces/ajouter"))
    labelled(page, "Nom de la clé d'accès").fill("Téléphone")
    click_button(page, "Créer la clé d'accès")
    expect(heading(page)).to_have_text("Vos codes de secours")
    log_out(page)

    # The person cancels the browser's dialog: a clear message, and no login.
    password_step(page, stack, person.email, person.password)
    page.evaluate(
        "() => { navigator.credentials.get = () => Promise.reject("
        "new DOMException('cancelled', 'NotAllowedError')); }"
    )
    page.get_by_role("button", name="Utiliser ma clé d'accès").click()
    expect(page.get_by_role("alert")).to_contain_text("La clé d'accès n'a pas été utilisée")
    expect(heading(page)).to_have_text("Deuxième étape de connexion")
    page.goto(stack.url("/espace/"))
    expect(heading(page)).not_to_have_text("Mon espace abonné")


def test_the_scripts_are_files_of_the_site(localhost_stack: LiveStack, page: Page):
    """No inline script: the pages' CSP stays script-src 'self'."""
    response = page.goto(localhost_stack.url("/static/js/passkeys.js"))
    assert response is not None and response.ok
    source = Path(PROJECT_ROOT / "web/templates/account")
    for template in ("passkey_add.html", "_passkey_login.html"):
        scripts = re.findall(r"<script[^>]*>", (source / template).read_text())
        assert scripts and all("src=" in tag for tag in scripts)
