"""Web fixtures: a visitor halfway through the wizard."""

from __future__ import annotations

import pytest

from tests.support import WizardActions


@pytest.fixture
def at_step_3(wizard: WizardActions) -> WizardActions:
    """A visitor who has accepted the terms and chosen credentials."""
    wizard.accept_terms()
    wizard.credentials()
    return wizard
