"""Regenerate the README screenshots by walking the whole flow in a real browser.

Run from the repository root::

    .venv/bin/pip install playwright      # once; the browser is the system's Chromium
    .venv/bin/python docs/screenshots.py

The script starts the embedded stack exactly as ``make run`` does (``python -m
web.devserver``: embedded Redis, SQLite, the SMTP sink, the worker and the web
app) on free ports, with its instance directory in a temporary folder so the
repository's ``instance/`` is left untouched. It then signs up as a person
would — fields found by their labels, buttons by their role and name — reads
the activation code in « Courriels envoyés », activates the space, and writes
full-page PNGs into ``docs/screenshots/``. The stack is stopped with SIGINT
(Ctrl-C) at the end, whatever happens.

Environment: ``CHROMIUM`` overrides the browser path (default ``/usr/bin/chromium``).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Locator, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
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
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 375, "height": 800}
START_TIMEOUT_S = 90
MAIL_TIMEOUT_S = 60
STOP_TIMEOUT_S = 30
MAX_PNG_BYTES = 400_000
LOG_TAIL_LINES = 60

EMAIL = "helene.lefevre@example.com"
PASSWORD = "Kestrel42Vine"  # noqa: S105 - the demo account of the screenshots
TRUST_QUESTION = "Quel était le nom de votre premier animal de compagnie ?"
TRUST_ANSWER = "Caramel des Prés"
CODE_PATTERN = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b")
# Variables that would point the stack at outside services or change its mode.
OUTSIDE_SETTINGS = (
    "REDIS_URL",
    "MAIL_SERVER",
    "DATABASE_URL",
    "DEV_MAILBOX_DIR",
    "PUBLIC_URL",
    "APP_ENV",
    "INSTANCE_PATH",
    "HOST",
)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_stack(instance: Path, log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``python -m web.devserver`` on free ports; return it and its base URL."""
    port, mail_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in OUTSIDE_SETTINGS}
    env.update(
        PORT=str(port),
        MAIL_PORT=str(mail_port),
        INSTANCE_PATH=str(instance),
        ARGON2_MEMORY_KIB="1024",
        ARGON2_TIME_COST="1",
        PYTHONUNBUFFERED="1",
    )
    with log_path.open("wb") as log:
        server = subprocess.Popen(  # noqa: S603 - this interpreter and a fixed module
            [sys.executable, "-m", "web.devserver"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own group: a Ctrl-C on this script is handled here, which stops it once.
            process_group=0,
        )
    return server, f"http://127.0.0.1:{port}"


def wait_for_port(server: subprocess.Popen[bytes], base_url: str) -> None:
    """Return once the web app accepts connections; fail if the stack dies or is too slow."""
    port = int(base_url.rsplit(":", 1)[1])
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"web.devserver exited early (status {server.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"web.devserver did not listen within {START_TIMEOUT_S}s")


def stop_stack(server: subprocess.Popen[bytes]) -> None:
    """SIGINT, as Ctrl-C in ``make run``, then wait; kill only if it hangs."""
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        print("web.devserver did not stop after SIGINT; killing it", file=sys.stderr)
        server.kill()
        server.wait()


def shoot(page: Page, name: str, *, tall: bool = False) -> None:
    """A full-page PNG into docs/screenshots/, kept under MAX_PNG_BYTES.

    The focused field is blurred first (no focus ring in the picture). With ``tall``, the
    viewport is first stretched to the whole page: headless Chromium leaves a sandboxed
    iframe blank in a full-page capture taken by scrolling, but paints it in one viewport.
    """
    page.evaluate("document.activeElement && document.activeElement.blur()")
    viewport = page.viewport_size
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > viewport["width"]:
        print(
            f"  warning: {name} is {scroll_width}px wide in a {viewport['width']}px viewport",
            file=sys.stderr,
        )
    if tall:
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": viewport["width"], "height": height})
        page.wait_for_timeout(500)
    path = OUT / name
    try:
        page.screenshot(path=path, full_page=True, type="png", scale="css", animations="disabled")
    finally:
        if tall:
            page.set_viewport_size(viewport)
    size = path.stat().st_size
    print(f"  {name}  {size // 1024} KB")
    if size > MAX_PNG_BYTES:
        print(f"  warning: {name} is over {MAX_PNG_BYTES // 1000} KB", file=sys.stderr)


def labelled(page: Page, label: str) -> Locator:
    """The field whose <label> reads ``label``, with or without the required-field star.

    Playwright matches a label's whole text, the visual " *" included (screen readers
    skip it: it is aria-hidden); exact matching would otherwise confuse « Nom » with
    « Prénom », or « Votre adresse électronique » with its confirmation.
    """
    return page.get_by_label(re.compile(rf"^{re.escape(label)}(\s*\*)?$"))


def click_button(page: Page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def walk(page: Page, base_url: str) -> str:
    """The whole sign-up and activation; return the subscriber number."""
    page.goto(base_url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Professionnels")
    shoot(page, "01-landing.png")

    page.get_by_role("link", name="Créer mon espace / adhérer aux services en ligne").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Création de votre espace abonné")
    shoot(page, "02-subscription.png")

    # 1ère étape: the terms.
    create = "Créez l'espace pour un collaborateur du cabinet ou vous-même"
    page.get_by_role("link", name=create).click()
    page.get_by_label("Je reconnais avoir pris connaissance des conditions générales").check()
    shoot(page, "03-step1-terms.png")
    click_button(page, "Valider")

    # 2ème étape: first two different passwords, to show the error state.
    expect(page.get_by_role("heading", level=1)).to_contain_text("2ème étape")
    labelled(page, "Votre adresse électronique").fill(EMAIL)
    labelled(page, "Confirmer votre adresse électronique").fill(EMAIL)
    labelled(page, "Votre mot de passe").fill(PASSWORD)
    labelled(page, "Confirmer votre mot de passe").fill(PASSWORD + "x")
    click_button(page, "Valider")
    expect(page.get_by_role("heading", name="Le formulaire contient des erreurs")).to_be_visible()
    shoot(page, "04-step2-errors.png")
    labelled(page, "Votre mot de passe").fill(PASSWORD)
    labelled(page, "Confirmer votre mot de passe").fill(PASSWORD)
    click_button(page, "Valider")

    # 3ème étape: the registration form.
    expect(page.get_by_role("heading", level=1)).to_contain_text("3ème étape")
    labelled(page, "Madame").check()
    labelled(page, "Nom").fill("Lefèvre")
    labelled(page, "Prénom").fill("Hélène")
    labelled(page, "S.I.R.E.N. ou équivalent").fill("732 829 320")
    labelled(page, "Numéro de téléphone").fill("06 12 34 56 78")
    labelled(page, "Adresse électronique").fill(EMAIL)
    labelled(page, "Numéro de la voie").fill("12")
    labelled(page, "Nature de la voie").select_option(label="Rue")
    labelled(page, "Libellé de la voie").fill("des Lilas")
    labelled(page, "Code postal").fill("75011")
    labelled(page, "Ville").fill("Paris")
    labelled(page, "Pays").select_option(label="France")
    labelled(page, "Question").select_option(label=TRUST_QUESTION)
    labelled(page, "Réponse").fill(TRUST_ANSWER)
    shoot(page, "05-step3-form.png")
    page.set_viewport_size(MOBILE)
    shoot(page, "12-step3-mobile.png")
    page.set_viewport_size(DESKTOP)
    click_button(page, "Valider")

    # 4ème étape: the summary, then the waiting page.
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmez votre inscription")
    shoot(page, "06-confirmation.png")
    click_button(page, "Valider")
    expect(page.get_by_role("heading", level=1)).to_have_text("Activation de votre espace abonné")
    shoot(page, "07-waiting.png")

    # The dev mailbox: wait for the worker to hand the mail to the sink.
    page.goto(base_url + "/courriels/")
    mail_link = page.locator("table.devmail-list tbody a").first
    deadline = time.monotonic() + MAIL_TIMEOUT_S
    while mail_link.count() == 0:
        if time.monotonic() > deadline:
            raise RuntimeError(f"no mail in « Courriels envoyés » after {MAIL_TIMEOUT_S}s")
        time.sleep(0.5)
        page.reload()
    shoot(page, "08-mailbox.png")
    mail_link.click()
    expect(page.locator("pre.devmail-text")).to_be_visible()
    expect(page.frame_locator("iframe.devmail-html").locator("body")).not_to_be_empty()
    shoot(page, "09-activation-mail.png", tall=True)
    text = page.locator("pre.devmail-text").inner_text()
    found = CODE_PATTERN.search(text)
    if found is None:
        raise RuntimeError(f"no activation code in the mail's text:\n{text}")
    code = found.group(0)

    # Follow the mail's link (it pre-fills the address) and type the code.
    page.locator("pre.devmail-text a").filter(has_text="/activation").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Activez votre espace abonné")
    address = labelled(page, "Adresse électronique")
    if address.input_value() != EMAIL:
        address.fill(EMAIL)
    labelled(page, "Code d'activation").fill(code)
    shoot(page, "10-activation.png")
    click_button(page, "Valider")
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre inscription")
    number = page.locator(".subscriber-number").inner_text()
    shoot(page, "11-success.png")
    return number


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="espace-pro-screenshots-") as tmp:
        instance = Path(tmp) / "instance"
        instance.mkdir()
        log_path = Path(tmp) / "devserver.log"
        server, base_url = start_stack(instance, log_path)
        try:
            wait_for_port(server, base_url)
            print(f"stack up on {base_url}; writing {OUT.relative_to(ROOT)}/")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                try:
                    context = browser.new_context(
                        viewport=DESKTOP,
                        device_scale_factor=1,
                        locale="fr-FR",
                        timezone_id="Europe/Paris",
                    )
                    page = context.new_page()
                    page.set_default_timeout(15_000)
                    number = walk(page, base_url)
                finally:
                    browser.close()
            print(f"done: subscriber number {number}")
        except Exception:
            tail = log_path.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
            print("--- end of the web.devserver log ---", *tail, sep="\n", file=sys.stderr)
            raise
        finally:
            stop_stack(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
