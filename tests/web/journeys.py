"""Whole sign-ups, each in its own browser, for tests that need more than one person."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime

import time_machine
from flask import Flask

from tests.support import PASSWORD, WizardActions


def sign_up_in_new_browser(
    app: Flask, email: str, password: str = PASSWORD, at: datetime | None = None, **profile
):
    """Walk the four steps in a fresh test client and validate; return the waiting page.

    With ``at``, the whole walk happens at that moment (the session is signed then too).
    """
    wizard = WizardActions(app.test_client())
    with time_machine.travel(at, tick=False) if at else nullcontext():
        return wizard.complete(email, password, **profile)
