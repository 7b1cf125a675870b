"""The real stack in a real browser: Debian's Chromium driven by Playwright (pytest-playwright).

`live_stack` starts `python -m web.devserver` — what `make run` starts: an embedded
redis-server, the SMTP sink, the RQ worker and the web app, each a real process or
server — on free ports, with its instance directory (SQLite file, Maildir) in a temporary
folder. Tests walk it as a person would: fields by their labels, buttons by their role.

Without Chromium (a laptop), every test here skips with a message saying how to install it.
"""

from __future__ import annotations

import mailbox
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page

from mailer.devsink import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The headless flags of DEVELOPERS.md: without the background-networking ones, Chromium
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
NO_CHROMIUM = (
    f"Chromium not found at {CHROMIUM}: install it (Debian/Ubuntu: `sudo apt-get install "
    "chromium`) or point CHROMIUM at a Chromium/Chrome binary to run the browser tests."
)
DESKTOP = {"width": 1280, "height": 900}
START_TIMEOUT_S = 90
STOP_TIMEOUT_S = 30
MAIL_TIMEOUT_S = 30
LOG_TAIL_LINES = 60
# Settings that would point the stack at outside services: the embedded stack is under test
# (the browser suite checks pages, not backends; the other suites cover PostgreSQL).
OUTSIDE_SETTINGS = (
    "REDIS_URL",
    "MAIL_SERVER",
    "MAIL_PORT",
    "DATABASE_URL",
    "DEV_MAILBOX_DIR",
    "PUBLIC_URL",
    "APP_ENV",
    "INSTANCE_PATH",
    "HOST",
    "PORT",
    "SECRET_KEY",
)
CODE_PATTERN = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium with the headless flags; skip the test when it is not installed."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(NO_CHROMIUM)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """A French-speaking desktop visitor in Paris."""
    return {
        **browser_context_args,
        "viewport": DESKTOP,
        "device_scale_factor": 1,
        "locale": "fr-FR",
        "timezone_id": "Europe/Paris",
    }


@pytest.fixture
def page(page: Page) -> Page:
    """pytest-playwright's page, failing fast instead of waiting 30 s for a missing element."""
    page.set_default_timeout(10_000)
    return page


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
        for key in box:
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


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    """The embedded stack as `make run` starts it, on free ports, for the whole session."""
    root = tmp_path_factory.mktemp("live-stack")
    instance = root / "instance"
    instance.mkdir()
    log_path = root / "devserver.log"
    port, mail_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in OUTSIDE_SETTINGS}
    env.update(
        PORT=str(port),
        MAIL_PORT=str(mail_port),
        INSTANCE_PATH=str(instance),
        # Cheap hashes: the browser suite checks pages, the benchmark checks hashing cost.
        ARGON2_MEMORY_KIB="1024",
        ARGON2_TIME_COST="1",
        # One browser session signs up many times from 127.0.0.1.
        RATELIMIT_ENABLED="0",
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
    stack = LiveStack(process, f"http://127.0.0.1:{port}", instance, log_path)
    try:
        _wait_for_port(stack, port)
        yield stack
    finally:
        _stop(process)


def _wait_for_port(stack: LiveStack, port: int) -> None:
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


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGINT, as Ctrl-C in `make run`; kill the group only if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where `shoot` writes: SCREENSHOTS_DIR (e.g. docs/screenshots), else a temp folder."""
    wanted = os.environ.get("SCREENSHOTS_DIR")
    folder = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def shoot(page: Page, screenshot_dir: Path):
    """shoot("name") writes a full-page PNG of the current page (focus ring removed)."""

    def take(name: str) -> Path:
        page.evaluate("document.activeElement && document.activeElement.blur()")
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=path, full_page=True, type="png", scale="css",
                        animations="disabled")
        assert path.stat().st_size > 0
        return path

    return take


def labelled(page: Page, label: str) -> Locator:
    """The field whose <label> reads `label`, with or without the required-field star.

    Playwright matches a label's whole text, the visual " *" included (screen readers skip
    it: it is aria-hidden); exact matching keeps « Nom » apart from « Prénom ».
    """
    return page.get_by_label(re.compile(rf"^{re.escape(label)}(\s*\*)?$"))


def click_button(page: Page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
