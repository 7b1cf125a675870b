"""The contract other second-step methods (passkeys) build on: a registered method counts as
a second step, the login then stops at the second page, and the pages leave room for it."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from tests.account.spaces import browser, is_logged_in
from tests.account.two_steps import SECOND_STEP, text
from tests.support import log_in
from web.account.routes import finish_login
from web.core import two_step
from web.extensions import db
from web.models import Registration

TEMPLATES = Path(__file__).parents[2] / "web" / "templates" / "account"


@pytest.fixture
def fake_method():
    """A method every subscriber has on (as passkeys register theirs at import)."""
    two_step.register_method("fake", lambda registration: True)
    yield
    two_step._METHODS.pop("fake", None)


def test_a_registered_method_is_a_second_step(app, subscriber, fake_method):
    client = browser(app)
    response = log_in(client)

    assert response.location.endswith(SECOND_STEP)
    assert not is_logged_in(client)
    page = text(client.get(SECOND_STEP))
    assert "Code de secours" in page  # no app: the recovery code is the field offered
    with app.app_context():
        registration = db.session.get(Registration, subscriber.id)
        assert two_step.enabled_methods(registration) == {"fake"}
        assert two_step.is_enabled(registration)


def test_the_pages_and_the_login_end_keep_their_hooks():
    assert '{% include "account/_passkey_login.html" ignore missing %}' in (
        TEMPLATES / "two_step_login.html"
    ).read_text(encoding="utf-8")
    assert '{% include "account/_passkeys_panel.html" ignore missing %}' in (
        TEMPLATES / "security.html"
    ).read_text(encoding="utf-8")
    assert list(inspect.signature(finish_login).parameters) == ["registration", "method"]
    for name in ("begin", "pending_registration", "pending_device", "clear_pending"):
        assert callable(getattr(two_step, name))
    assert list(inspect.signature(two_step.verify_code).parameters) == ["registration", "code"]
