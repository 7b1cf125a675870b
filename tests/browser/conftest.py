"""The real stack in a real browser: Debian's Chromium driven by Playwright (pytest-playwright).

`live_stack` starts `python -m web.devserver` — what `make run` starts: an embedded
redis-server, the SMTP sink, the RQ worker and the web app, each a real process or
server — on free ports, with its instance directory (SQLite file, Maildir) in a temporary
folder. Tests walk it as a person would: fields by their labels, buttons by their role.

Without Chromium (a laptop), every test here skips with a message saying how to install it;
under CI (the CI variable set, as `.ci/run` does) they fail instead: CI must run them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from mailer.devsink import free_port
from tests.browser.live import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    MAX_PNG_BYTES,
    NO_CHROMIUM,
    OUTSIDE_SETTINGS,
    PROJECT_ROOT,
    UNDER_CI,
    LiveStack,
    stop,
    wait_for_port,
)
from web.core.limits import LIMIT_SETTINGS


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium with the headless flags; skip the test when it is not installed."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        if UNDER_CI:
            pytest.fail(f"{NO_CHROMIUM} (CI is set: the browser tests must run)")
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
        # One browser session signs up many times from 127.0.0.1: limits far above its use
        # (Flask-Limiter's RATELIMIT_ENABLED is not read from the environment).
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
    stack = LiveStack(process, f"http://127.0.0.1:{port}", instance, log_path)
    try:
        wait_for_port(stack, port)
        yield stack
    finally:
        stop(process)


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where `shoot` writes: SCREENSHOTS_DIR (e.g. docs/screenshots), else a temp folder."""
    wanted = os.environ.get("SCREENSHOTS_DIR")
    folder = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def shoot(page: Page, screenshot_dir: Path):
    """shoot("name") writes a full-page PNG of the current page (focus ring removed).

    With `tall=True` the viewport is first stretched to the whole page: headless Chromium
    leaves a sandboxed iframe (the mail's HTML) blank in a full-page capture taken by
    scrolling, but paints it within one viewport. PNGs stay under MAX_PNG_BYTES (the README
    shows them).
    """

    def take(name: str, *, tall: bool = False) -> Path:
        page.evaluate("document.activeElement && document.activeElement.blur()")
        path = screenshot_dir / f"{name}.png"
        viewport = page.viewport_size
        if tall:
            height = page.evaluate("document.documentElement.scrollHeight")
            page.set_viewport_size({"width": viewport["width"], "height": height})
        try:
            page.screenshot(
                path=path, full_page=True, type="png", scale="css", animations="disabled"
            )
        finally:
            if tall:
                page.set_viewport_size(viewport)
        size = path.stat().st_size
        assert 0 < size < MAX_PNG_BYTES, f"{path.name} is {size} bytes"
        return path

    return take
