"""The checks every outage test makes: the French 503 page, soon, and nothing half-saved."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from tests.web.pages import Page

# A frozen Redis must cost a request a few seconds at most (the clients' socket timeouts),
# never the whole gunicorn timeout.
PROMPT_SECONDS = 8.0
UNAVAILABLE_TITLE = "Service momentanément indisponible"
NOTHING_SAVED = "Rien n'a été enregistré : réessayez dans quelques instants."


def assert_unavailable(response) -> Page:
    """The French 503 page: the service is unavailable and nothing was saved."""
    assert response.status_code == 503, (response.status, response.location)
    page = Page(response)
    assert page.h1 == UNAVAILABLE_TITLE
    assert NOTHING_SAVED in page.text
    assert "Code d'erreur : 503" in page.text
    for leak in ("Traceback", "ConnectionError", "TimeoutError", "OperationalError", "redis"):
        assert leak not in page.html
    return page


def promptly(
    request: Callable[[], object], on_hang: Callable[[], None], seconds: float = PROMPT_SECONDS
):
    """Run a request in a thread; fail if it has not answered within `seconds` (then call
    `on_hang`, e.g. thaw Redis, so that the thread can finish)."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["response"] = request()
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        on_hang()
        thread.join(60)
        pytest.fail(f"the request hung for more than {seconds:.0f} s on a frozen Redis")
    if "error" in outcome:
        raise outcome["error"]
    outcome["response"].elapsed = time.monotonic() - started
    return outcome["response"]


def saved_or_unavailable(response, location: str) -> Page | None:
    """On to `location`, or the 503 page (returned), which never says that nothing was saved
    when something was."""
    if response.status_code == 302:
        assert response.location == location
        return None
    page = Page(response)
    assert response.status_code == 503 and page.h1 == UNAVAILABLE_TITLE
    assert "Rien n'a été enregistré" not in page.text
    return page
