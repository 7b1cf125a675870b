"""axe-core finds no WCAG 2.1 A/AA violation on any page, errors shown or not.

Every page is reached as a person reaches it (links, forms, the mailed links) on the live
embedded stack, then axe-core (the npm package pinned in tests/browser/package.json) runs with
the `wcag2a`, `wcag2aa` and `wcag21aa` tags. A test's pages are all audited before it fails,
and the failure lists each rule, its help text and the offending elements. Every page also
loads only from the app's own origin. The last test checks that every GET route of the app
was audited or is listed in NOT_PAGES with a reason, so a new page cannot be left out.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, Request, expect
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import MapAdapter

from tests.browser.live import (
    UNDER_CI,
    LiveStack,
    Person,
    activate,
    heading,
    labelled,
    log_in,
    new_person,
    sign_up,
)
from web import create_app

AXE_JS = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
NO_AXE = (
    f"axe-core is not installed ({AXE_JS} is missing): run `make install` with npm available, "
    "or `npm ci --prefix tests/browser`."
)
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21aa"]
AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                          resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary})),
  }));
}"""
NARROW = {"width": 320, "height": 720}
# An import with a line added and a line refused: both kinds of rows in the report.
REPORTED_CSV = {
    "name": "dossiers.csv",
    "mimeType": "text/csv",
    "buffer": b"siren;nom\n552100554;Transports Dupont\n123;Erreur\n",
}
# GET routes that are not HTML pages, each with the reason it is not audited.
NOT_PAGES = {
    "static": "stylesheets, not pages",
    "main.healthz": "JSON health check for the operator",
    "ops.readyz": "JSON readiness check for the operator",
    "ops.metrics": "Prometheus text metrics",
    "main.switch_language": "redirects back to the page it was followed from",
    "activation.registration_form": "PDF download (web/templates/pdf/, checked by its tests)",
    "account.registration_form": "PDF download (web/templates/pdf/, checked by its tests)",
    "account.recovery_codes_file": "text file download (tests/account/test_two_step_*)",
    "account.remove_passkey": "needs a passkey, which WebAuthn cannot make on this 127.0.0.1 "
    "stack: audited with axe-core by tests/browser/test_passkeys.py (localhost stack)",
}
# Filled by the audits of this module, checked by test_every_page_of_the_app_is_audited.
AUDITED: set[str] = set()
AUDIT_TESTS = (
    "test_public_and_error_pages_pass_axe",
    "test_wizard_pages_pass_axe",
    "test_activation_and_subscriber_space_pages_pass_axe",
    "test_recovery_pages_pass_axe",
    "test_two_step_pages_pass_axe",
    "test_passkey_pages_pass_axe",
)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """The app's CSP (script-src 'self') would refuse the injected axe-core script."""
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe.min.js from tests/browser/node_modules; skip without it (fail under CI)."""
    if not AXE_JS.is_file():
        if UNDER_CI:
            pytest.fail(f"{NO_AXE} (CI is set: the accessibility tests must run)")
        pytest.skip(NO_AXE)
    return AXE_JS


@pytest.fixture(scope="session")
def routes(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """An app built as the live stack builds it (with the dev mailbox), for its URL map."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "url-map-only",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "AUTO_MIGRATE": False,
            "DEV_MAILBOX_DIR": str(tmp_path_factory.mktemp("mailbox")),
        }
    )


@dataclass
class Audit:
    """Runs axe on the current page, remembers what failed and which routes were seen."""

    page: Page
    stack: LiveStack
    script: Path
    adapter: MapAdapter
    findings: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("request", self._record_request)

    def _record_request(self, request: Request) -> None:
        self.requests.append(request.url)

    def check(self, label: str, endpoint: str | None, *, errors: bool = False) -> None:
        """Audit the page now shown, which must be `endpoint`'s (None: a 404 page)."""
        self.page.wait_for_load_state()
        expect(heading(self.page)).to_be_visible()
        path = urlsplit(self.page.url).path
        try:
            shown, _ = self.adapter.match(path, method="GET")
        except MethodNotAllowed:  # a form's answer, shown at its POST-only address
            shown, _ = self.adapter.match(path, method="POST")
        except NotFound:
            shown = None
        assert shown == endpoint, f"{label}: {self.page.url} is {shown}, not {endpoint}"
        if errors:
            expect(self.page.locator("#error-summary")).to_be_visible()
        if endpoint:
            AUDITED.add(endpoint)
        if not self.page.evaluate("typeof axe !== 'undefined'"):
            self.page.add_script_tag(path=self.script)
        for violation in self.page.evaluate(AXE_RUN, WCAG_TAGS):
            self.findings.append(describe(label, self.page.url, violation))

    def form(self, url: str, label: str, endpoint: str, refused: str = "empty") -> None:
        """Audit a form page, then the same form submitted empty (its errors shown)."""
        self.page.goto(self.stack.url(url))
        self.check(label, endpoint)
        submit(self.page)
        self.check(f"{label}, {refused}", endpoint, errors=True)

    def assert_clean(self) -> None:
        """Fail with every violation found, then with any request that left the app."""
        assert not self.findings, (
            f"axe-core found {len(self.findings)} violation(s):\n" + "\n".join(self.findings)
        )
        outside = sorted({url for url in self.requests if not self._own(url)})
        assert not outside, "requests outside the app:\n" + "\n".join(outside)

    def _own(self, url: str) -> bool:
        return url.startswith(self.stack.base_url + "/") or url.startswith("data:")


def describe(label: str, url: str, violation: dict) -> str:
    """One violation, readable in a test report: rule, help, then each failing element."""
    lines = [
        f"[{label}] {url}",
        f"  {violation['id']} ({violation['impact']}): {violation['help']} "
        f"<{violation['helpUrl']}>",
    ]
    for node in violation["nodes"]:
        lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:300]}")
        lines.extend(f"      {line}" for line in (node["summary"] or "").splitlines())
    return "\n".join(lines)


@pytest.fixture
def audit(page: Page, live_stack: LiveStack, axe_script: Path, routes: Flask) -> Audit:
    """An Audit of `page`; each test calls assert_clean() once its pages are visited."""
    return Audit(page, live_stack, axe_script, routes.url_map.bind("127.0.0.1"))


def submit(page: Page) -> None:
    """Press the main form's submit button, whatever the language."""
    page.locator("main form.panel button[type=submit]").last.click()


def test_public_and_error_pages_pass_axe(page: Page, live_stack: LiveStack, audit: Audit):
    page.goto(live_stack.url("/"))
    audit.check("landing", "main.landing")
    page.goto(live_stack.url("/creer-mon-espace"))
    audit.check("subscription", "main.subscription")
    page.goto(live_stack.url("/conditions-generales"))
    audit.check("terms", "main.terms")
    page.goto(live_stack.url("/cette-page-n-existe-pas"))
    audit.check("404 page", None)
    expect(page.locator("main")).to_contain_text("404")
    page.goto(live_stack.url("/courriels/"))
    audit.check("dev mailbox", "devmail.inbox")

    audit.form("/espace/connexion", "login", "account.login")
    page.locator("#email").fill("personne@example.com")
    page.locator("#password").fill("Kestrel42Vine")
    submit(page)
    audit.check("login, refused", "account.login")
    expect(page.locator(".notice--error, .error-summary").first).to_be_visible()

    # The session (and its CSRF token) gone while the form was open: « Envoyer à nouveau ».
    page.goto(live_stack.url("/espace/connexion"))
    page.locator("#email").fill("personne@example.com")
    page.locator("#password").fill("Kestrel42Vine")
    page.context.clear_cookies()
    submit(page)
    audit.check("login, session expired", "account.login")
    expect(heading(page)).to_have_text("Votre session a expiré")

    audit.form("/activation/nouveau-code", "new code", "activation.new_code")

    audit.form("/recuperation/mot-de-passe", "forgot password", "recovery.forgot_password")
    page.locator("#email").fill("personne@example.com")
    page.locator("#subscriber_number").fill("20243060047878")
    submit(page)
    audit.check("forgot password, link sent", "recovery.forgot_password")

    audit.form("/recuperation/numero", "forgot number", "recovery.forgot_number")
    page.locator("#email").fill("personne@example.com")
    submit(page)
    audit.check("forgot number, sent", "recovery.forgot_number")

    audit.form("/recuperation/deblocage", "unlock request", "recovery.unlock_request")
    page.locator("#email").fill("personne@example.com")
    submit(page)
    audit.check("unlock request, sent", "recovery.unlock_request")
    page.goto(live_stack.url("/recuperation/deblocage/lien?jeton=abimé"))
    audit.check("unlock link error", "recovery.unlock")

    page.goto(live_stack.url("/recuperation/reinitialiser?jeton=abimé"))
    audit.check("reset link error", "recovery.reset")
    page.goto(live_stack.url("/recuperation/nouveau-mot-de-passe"))
    audit.check("new password without a link", "recovery.new_password")
    audit.assert_clean()


def walk_wizard(page: Page, stack: LiveStack, audit: Audit, person: Person, tag: str) -> None:
    """The four steps, each first submitted wrong, then the waiting page; fields by id."""
    page.goto(stack.url("/inscription/etape-1"))
    audit.check(f"{tag} step 1", "registration.terms")
    submit(page)
    audit.check(f"{tag} step 1, not accepted", "registration.terms", errors=True)
    page.locator("#accept").check()
    submit(page)

    audit.check(f"{tag} step 2", "registration.credentials")
    page.locator("#email").fill(person.email)
    page.locator("#email_confirm").fill("autre@example.com")
    page.locator("#password").fill("court")
    submit(page)
    audit.check(f"{tag} step 2, errors", "registration.credentials", errors=True)
    page.locator("#email_confirm").fill(person.email)
    page.locator("#password").fill(person.password)
    page.locator("#password_confirm").fill(person.password)
    submit(page)

    audit.check(f"{tag} step 3", "registration.profile")
    page.locator("#postal_code").fill("7501")
    submit(page)
    audit.check(f"{tag} step 3, errors", "registration.profile", errors=True)
    page.locator("#civility-0").check()
    page.locator("#last_name").fill(person.last_name)
    page.locator("#first_name").fill(person.first_name)
    page.locator("#company_id").fill(person.siren)
    page.locator("#phone").fill("06 12 34 56 78")
    page.locator("#street_number").fill("12")
    page.locator("#street_name").fill("rue des Lilas")
    page.locator("#postal_code").fill("75011")
    page.locator("#city").fill("Paris")
    page.locator("#trust_answer").fill(person.trust_answer)
    submit(page)

    audit.check(f"{tag} confirmation", "registration.confirmation")
    page.locator("main form button[type=submit]").click()
    audit.check(f"{tag} waiting page", "registration.waiting")


@pytest.mark.parametrize(
    "language,viewport",
    [("fr", None), ("en", None), ("fr", NARROW)],
    ids=["french", "english", "french-320px"],
)
def test_wizard_pages_pass_axe(
    page: Page, live_stack: LiveStack, audit: Audit, language: str, viewport: dict | None
) -> None:
    if viewport:
        page.set_viewport_size(viewport)
    page.goto(live_stack.url("/"))
    if language == "en":
        page.get_by_role("link", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    walk_wizard(page, live_stack, audit, new_person(f"axe-{language}"), language)
    expect(page.locator("html")).to_have_attribute("lang", language)
    audit.assert_clean()


def wait_for_mail_link(stack: LiveStack, person: Person, pattern: str, already: int = 0) -> str:
    """The path and query of the first link matching `pattern` in mail number already + 1."""
    expect_link = re.compile(rf"https?://[^/\s]+(/{pattern}[^\s\"'<>]*)")
    for _ in range(150):
        found = [
            match.group(1)
            for mail in stack.mails_to(person.email)
            if (match := expect_link.search(mail.get_body(("plain",)).get_content()))
        ]
        if len(found) > already:
            return found[already]
        time.sleep(0.2)
    raise AssertionError(f"no mail with a link to /{pattern}\n{stack.log_tail()}")


def test_activation_and_subscriber_space_pages_pass_axe(
    page: Page, live_stack: LiveStack, audit: Audit, browser: Browser, browser_context_args: dict
) -> None:
    person = new_person("axe-space")
    sign_up(page, live_stack, person)
    code = live_stack.wait_for_code(person.email)

    page.goto(live_stack.url("/courriels/"))
    audit.check("dev mailbox with mails", "devmail.inbox")
    page.get_by_role("row").filter(has_text=person.email).get_by_role("link").first.click()
    audit.check("dev mail message", "devmail.message")
    page.goto(page.url + "/html")
    expect(page.locator("body")).to_contain_text(code)
    AUDITED.add("devmail.message_html")
    audit.findings.extend(
        describe("mail HTML", page.url, violation) for violation in run_axe(page, audit.script)
    )

    audit.form("/activation/", "activation", "activation.activate")
    page.locator("#email").fill(person.email)
    page.locator("#code").fill("ABCD-EFGH-JKLM")
    submit(page)
    audit.check("activation, wrong code", "activation.activate")
    expect(page.locator("#activation-refused")).to_be_visible()
    activate(page, live_stack, person)
    audit.check("success", "activation.success")

    log_in(page, live_stack, person)
    audit.check("space home", "account.home")
    page.goto(live_stack.url("/activation/reussie"))
    audit.check("success, ended by the login", "activation.success")
    expect(page.locator(".subscriber-number")).to_have_count(0)
    page.goto(live_stack.url("/espace/coordonnees"))
    audit.check("contact", "account.contact")
    page.locator("#phone").fill("")
    submit(page)
    audit.check("contact, errors", "account.contact", errors=True)
    audit.form("/espace/mot-de-passe", "password", "account.change_password", "errors")
    audit.form(
        "/espace/question-de-confiance", "trust question", "account.change_trust_question", "errors"
    )
    audit.form("/espace/adresse-de-connexion", "login address", "account.change_email", "errors")
    labelled(page, "Mot de passe actuel").fill(person.password)
    labelled(page, "Nouvelle adresse électronique de connexion").fill(f"new-{person.email}")
    submit(page)
    audit.check("login address code", "account.confirm_email")
    submit(page)
    audit.check("login address code, empty", "account.confirm_email", errors=True)
    page.goto(live_stack.url("/espace/historique"))
    audit.check("history", "account.history")
    # A second device, so the list shows two lines and « Fermer toutes les autres sessions ».
    elsewhere = browser.new_context(**browser_context_args)
    log_in(elsewhere.new_page(), live_stack, person)
    page.goto(live_stack.url("/espace/sessions"))
    audit.check("active sessions", "account.active_sessions")
    page.locator("tr:not(.session--current)").get_by_role("button").click()
    audit.check("active sessions, one ended", "account.active_sessions")
    expect(page.get_by_role("status")).to_be_visible()
    elsewhere.close()

    page.goto(live_stack.url("/espace/dossiers/"))
    audit.check("dossiers, none", "dossiers.index")
    page.goto(live_stack.url("/espace/dossiers/ajouter"))
    audit.check("add dossier", "dossiers.add")
    page.locator("#siren").fill("123")
    submit(page)
    audit.check("add dossier, errors", "dossiers.add", errors=True)
    page.locator("#siren").fill("732 829 320")
    page.locator("#label").fill("Boulangerie des Lilas")
    submit(page)
    audit.check("dossier", "dossiers.show")
    service = page.locator(".service").first
    service.get_by_role("button").click()
    audit.check("dossier, adhesion without a role", "dossiers.adhere", errors=True)
    service = page.locator(".service").first
    service.get_by_role("radio").first.check()
    service.get_by_role("button").click()
    audit.check("dossier, adhesion", "dossiers.show")
    page.locator(".service").first.get_by_role("link", name="Retirer").click()
    audit.check("withdraw adhesion", "dossiers.withdraw")
    page.get_by_role("button", name="Confirmer le retrait").click()
    audit.check("dossier, adhesion withdrawn", "dossiers.show")
    dossier_url = page.url

    audit.form("/espace/dossiers/importer", "import", "dossiers.import_dossiers", "no file")
    page.locator("#file").set_input_files(files=[REPORTED_CSV])
    submit(page)
    audit.check("import report", "dossiers.import_dossiers")
    expect(page.locator(".import-report")).to_be_visible()
    page.goto(live_stack.url("/espace/dossiers/"))
    audit.check("dossiers list", "dossiers.index")
    page.goto(dossier_url + "/supprimer")
    audit.check("remove dossier", "dossiers.remove")

    page.set_viewport_size(NARROW)
    for label, path, endpoint in (
        ("space home", "/espace/", "account.home"),
        ("history", "/espace/historique", "account.history"),
        ("active sessions", "/espace/sessions", "account.active_sessions"),
        ("dossiers list", "/espace/dossiers/", "dossiers.index"),
        ("dossier", urlsplit(dossier_url).path, "dossiers.show"),
    ):
        page.goto(live_stack.url(path))
        audit.check(f"320px {label}", endpoint)
    page.goto(live_stack.url("/espace/dossiers/importer"))
    page.locator("#file").set_input_files(files=[REPORTED_CSV])
    submit(page)
    audit.check("320px import report", "dossiers.import_dossiers")
    expect(page.locator(".import-report")).to_be_visible()
    # Last: the session gone while the import was chosen (this logs the browser out).
    page.locator("#file").set_input_files(files=[REPORTED_CSV])
    page.context.clear_cookies()
    submit(page)
    audit.check("320px import, session expired", "dossiers.import_dossiers")
    expect(page.locator("main")).to_contain_text("choisissez-le à nouveau")
    audit.assert_clean()


def run_axe(page: Page, script: Path) -> list[dict]:
    """axe on a page that is not one of the app's templates (no <h1> expected)."""
    page.add_script_tag(path=script)
    return page.evaluate(AXE_RUN, WCAG_TAGS)


def test_recovery_pages_pass_axe(page: Page, live_stack: LiveStack, audit: Audit) -> None:
    person = new_person("axe-recovery")
    sign_up(page, live_stack, person)
    number = activate(page, live_stack, person)

    def ask_for_a_link() -> None:
        page.goto(live_stack.url("/recuperation/mot-de-passe"))
        page.locator("#email").fill(person.email)
        page.locator("#subscriber_number").fill(number)
        submit(page)
        expect(page.get_by_role("status")).to_be_visible()

    ask_for_a_link()
    page.goto(live_stack.url(wait_for_mail_link(live_stack, person, "recuperation/")))
    audit.check("trust question", "recovery.reset")
    page.locator("#answer").fill("pas la bonne réponse")
    submit(page)
    audit.check("trust question, wrong answer", "recovery.reset", errors=True)
    page.locator("#answer").fill(person.trust_answer)
    submit(page)
    audit.check("new password", "recovery.new_password")
    submit(page)
    audit.check("new password, errors", "recovery.new_password", errors=True)

    ask_for_a_link()
    page.goto(live_stack.url(wait_for_mail_link(live_stack, person, "recuperation/", 1)))
    for _ in range(5):
        page.locator("#answer").fill("toujours pas")
        submit(page)
    audit.check("recovery locked", "recovery.reset")
    expect(page.locator("#answer")).to_have_count(0)
    audit.assert_clean()


def test_two_step_pages_pass_axe(page: Page, live_stack: LiveStack, audit: Audit) -> None:
    person = new_person("axe-two-step")
    sign_up(page, live_stack, person)
    number = activate(page, live_stack, person)
    log_in(page, live_stack, person)

    page.goto(live_stack.url("/espace/securite"))
    audit.check("security", "account.security")
    audit.form("/espace/securite/application", "two-step setup", "account.two_step_setup")
    totp = pyotp.TOTP(page.locator("#totp-key").inner_text().replace(" ", ""))
    page.locator("#code").fill(totp.now())
    submit(page)
    audit.check("recovery codes", "account.new_recovery_codes")
    codes = page.locator(".code-list code").all_inner_texts()
    page.get_by_role("button", name="J'ai noté mes codes").click()
    audit.check("security, two-step on", "account.security")
    audit.form(
        "/espace/securite/codes-de-secours/nouveaux", "renew codes", "account.renew_recovery_codes"
    )
    audit.form("/espace/securite/application/desactiver", "turn off", "account.two_step_disable")
    page.get_by_role("button", name="Se déconnecter").click()

    page.goto(live_stack.url("/espace/connexion"))
    labelled(page, "Adresse électronique").fill(person.email)
    labelled(page, "Mot de passe").fill(person.password)
    submit(page)
    audit.check("second step", "account.two_step_login")
    submit(page)
    audit.check("second step, empty", "account.two_step_login", errors=True)
    page.get_by_role("link", name="Utiliser un code de secours").click()
    audit.check("second step, recovery code", "account.two_step_login")
    page.locator("#code").fill("ABCDE-FGHJK")
    submit(page)
    audit.check("second step, wrong recovery code", "account.two_step_login", errors=True)

    page.goto(live_stack.url("/recuperation/mot-de-passe"))
    page.locator("#email").fill(person.email)
    page.locator("#subscriber_number").fill(number)
    submit(page)
    # (The notices' footers link to /recuperation/ too: look for the reset link itself.)
    page.goto(live_stack.url(wait_for_mail_link(live_stack, person, "recuperation/reinit")))
    page.locator("#answer").fill(person.trust_answer)
    submit(page)
    audit.check("recovery, second step", "recovery.second_step")
    submit(page)
    audit.check("recovery, second step, empty", "recovery.second_step", errors=True)
    page.locator("#code").fill(codes[1])
    submit(page)
    audit.check("recovery, then the new password", "recovery.new_password")
    audit.assert_clean()


def test_passkey_pages_pass_axe(page: Page, live_stack: LiveStack, audit: Audit) -> None:
    person = new_person("axe-passkey")
    sign_up(page, live_stack, person)
    activate(page, live_stack, person)
    log_in(page, live_stack, person)
    page.goto(live_stack.url("/espace/securite/cles-d-acces/ajouter"))
    audit.check("add passkey", "account.add_passkey")
    submit(page)  # no name: said beside the field by the page's script
    expect(page.locator("#name-js-error")).to_be_visible()
    audit.check("add passkey, no name", "account.add_passkey")
    audit.assert_clean()


def test_every_page_of_the_app_is_audited(request: pytest.FixtureRequest, routes: Flask):
    ran = {item.originalname for item in request.session.items}
    if not set(AUDIT_TESTS) <= ran:
        pytest.skip("checks the whole module's audits: run the module, not one test")
    pages = {rule.endpoint for rule in routes.url_map.iter_rules() if "GET" in (rule.methods or ())}
    forgotten = sorted(pages - AUDITED - NOT_PAGES.keys())
    assert not forgotten, (
        "pages no accessibility test visits (audit them in this module, or list them in "
        f"NOT_PAGES with the reason): {forgotten}"
    )
    assert not NOT_PAGES.keys() & AUDITED, "a page listed in NOT_PAGES is audited after all"
