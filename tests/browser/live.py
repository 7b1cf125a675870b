"""The live stack and the steps a person takes in the browser: labels, buttons, the wizard."""

from __future__ import annotations

import mailbox
import os
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from uuid import uuid4

from playwright.sync_api import Locator, Page, expect

from tests import support

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The headless flags of the developers' guide: without the background-networking ones, Chromium
# keeps trying to reach Google's hosts, which this closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# pytest.fail instead of pytest.skip: in CI a missing browser is a broken machine.
UNDER_CI = os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}
NO_CHROMIUM = (
    f"Chromium not found at {CHROMIUM}: install it (Debian/Ubuntu: `sudo apt-get install "
    "chromium`) or point CHROMIUM at a Chromium/Chrome binary to run the browser tests."
)
DESKTOP = {"width": 1280, "height": 900}
START_TIMEOUT_S = 90
STOP_TIMEOUT_S = 30
MAIL_TIMEOUT_S = 30
LOG_TAIL_LINES = 60
MAX_PNG_BYTES = 400_000
STEP_3 = "3ème étape : remplissez votre formulaire d'inscription"
CREATE_SPACE = "Créez l'espace pour un collaborateur du cabinet ou vous-même"
# Settings that would point the stack at outside services: the embedded stack is under test
# (the browser suite checks pages, not backends; the other suites cover PostgreSQL).
OUTSIDE_SETTINGS = (*support.OUTSIDE_SETTINGS, "PUBLIC_URL")
CODE_PATTERN = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")


@dataclass
class LiveStack:
    """A running `python -m web.devserver` and where to find what it keeps."""

    process: subprocess.Popen[bytes]
    base_url: str
    instance: Path
    log_path: Path

    @property
    def maildir(self) -> Path:
        return self.instance / "mailbox"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def mails_to(self, address: str) -> list[EmailMessage]:
        """Every mail the SMTP sink received for `address`, oldest first."""
        if not self.maildir.exists():
            return []
        found = []
        box = mailbox.Maildir(self.maildir, factory=None, create=False)
        for key in box.iterkeys():
            raw = box.get_bytes(key)
            message = BytesParser(policy=default_policy).parsebytes(raw)
            if address.lower() in str(message["To"]).lower():
                found.append(message)
        return sorted(found, key=lambda message: message["Date"].datetime)

    def wait_for_code(self, address: str, already: int = 0) -> str:
        """The activation code of mail number `already + 1` to `address`, once received."""
        deadline = time.monotonic() + MAIL_TIMEOUT_S
        while time.monotonic() < deadline:
            mails = self.mails_to(address)
            if len(mails) > already:
                text = mails[already].get_body(preferencelist=("plain",)).get_content()
                found = CODE_PATTERN.search(text)
                assert found, f"no activation code in the mail's text:\n{text}"
                return found.group(0)
            time.sleep(0.2)
        raise AssertionError(f"no mail to {address} within {MAIL_TIMEOUT_S}s\n{self.log_tail()}")

    def log_tail(self) -> str:
        lines = self.log_path.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
        return "--- end of the web.devserver log ---\n" + "\n".join(lines)


def wait_for_port(stack: LiveStack, port: int) -> None:
    """Wait until the stack listens on `port`; fail with its log if it exits or takes too long."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if stack.process.poll() is not None:
            raise RuntimeError(f"web.devserver exited early\n{stack.log_tail()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"web.devserver did not listen within {START_TIMEOUT_S}s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGINT, as Ctrl-C in `make run`; kill the group only if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def labelled(page: Page, label: str) -> Locator:
    """The field whose <label> reads `label`, with or without the required-field star.

    Playwright matches a label's whole text, the visual " *" included (screen readers skip
    it: it is aria-hidden); exact matching keeps « Nom » apart from « Prénom ».
    """
    return page.get_by_label(re.compile(rf"^{re.escape(label)}(\s*\*)?$"))


def click_button(page: Page, name: str) -> None:
    """Click the button named `name` (exactly)."""
    page.get_by_role("button", name=name, exact=True).click()


def heading(page: Page) -> Locator:
    """The page's <h1>."""
    return page.get_by_role("heading", level=1)


@dataclass
class Person:
    """Who walks the wizard: a unique example.com address, the rest as in the README."""

    email: str
    password: str = "Kestrel42Vine"
    last_name: str = "Lefèvre"
    first_name: str = "Hélène"
    siren: str = "732 829 320"
    trust_question: str = "Quel était le nom de votre premier animal de compagnie ?"
    trust_answer: str = "Caramel des Prés"
    subscriber_number: str = ""


def new_person(prefix: str = "pro") -> Person:
    """A person with an address no other test uses (the live stack is shared)."""
    return Person(email=f"{prefix}-{uuid4().hex[:8]}@example.com")


def accept_terms(page: Page, stack: LiveStack) -> None:
    """From the landing page through the subscription page and step 1, to step 2."""
    page.goto(stack.url("/"))
    page.get_by_role("link", name="Créer mon espace / adhérer aux services en ligne").click()
    page.get_by_role("link", name=CREATE_SPACE).click()
    page.get_by_label("Je reconnais avoir pris connaissance des conditions générales").check()
    click_button(page, "Valider")
    expect(heading(page)).to_have_text("2ème étape : créez vos identifiants")


def fill_credentials(page: Page, person: Person) -> None:
    """Step 2's four fields (not submitted)."""
    labelled(page, "Votre adresse électronique").fill(person.email)
    labelled(page, "Confirmer votre adresse électronique").fill(person.email)
    labelled(page, "Votre mot de passe").fill(person.password)
    labelled(page, "Confirmer votre mot de passe").fill(person.password)


def fill_profile(page: Page, person: Person) -> None:
    """Step 3's registration form (not submitted)."""
    labelled(page, "Madame").check()
    labelled(page, "Nom").fill(person.last_name)
    labelled(page, "Prénom").fill(person.first_name)
    labelled(page, "S.I.R.E.N. ou équivalent").fill(person.siren)
    labelled(page, "Numéro de téléphone").fill("06 12 34 56 78")
    labelled(page, "Adresse électronique").fill(person.email)
    labelled(page, "Numéro de la voie").fill("12")
    labelled(page, "Nature de la voie").select_option(label="Rue")
    labelled(page, "Libellé de la voie").fill("des Lilas")
    labelled(page, "Code postal").fill("75011")
    labelled(page, "Ville").fill("Paris")
    labelled(page, "Pays").select_option(label="France")
    labelled(page, "Question").select_option(label=person.trust_question)
    labelled(page, "Réponse").fill(person.trust_answer)


def reach_step_3(page: Page, stack: LiveStack, person: Person) -> None:
    """Steps 1 and 2 done with the person's credentials, ending on step 3."""
    accept_terms(page, stack)
    fill_credentials(page, person)
    click_button(page, "Valider")
    expect(heading(page)).to_have_text(STEP_3)


def sign_up(page: Page, stack: LiveStack, person: Person) -> None:
    """The four steps, ending on the waiting page."""
    reach_step_3(page, stack, person)
    fill_profile(page, person)
    click_button(page, "Valider")
    expect(heading(page)).to_have_text("Confirmez votre inscription")
    click_button(page, "Valider")
    expect(heading(page)).to_have_text("Activation de votre espace abonné")


def activate(page: Page, stack: LiveStack, person: Person) -> str:
    """Type the mailed code on the activation page; return (and keep) the subscriber number."""
    code = stack.wait_for_code(person.email)
    page.goto(stack.url("/activation/"))
    labelled(page, "Adresse électronique").fill(person.email)
    labelled(page, "Code d'activation").fill(code)
    click_button(page, "Valider")
    expect(heading(page)).to_have_text("Votre inscription")
    person.subscriber_number = page.locator(".subscriber-number").inner_text()
    return person.subscriber_number


def log_in(page: Page, stack: LiveStack, person: Person) -> None:
    """« Accédez à votre espace abonné » with the address and the password."""
    page.goto(stack.url("/espace/connexion"))
    labelled(page, "Adresse électronique").fill(person.email)
    labelled(page, "Mot de passe").fill(person.password)
    click_button(page, "Se connecter")
    expect(heading(page)).to_have_text("Mon espace abonné")
