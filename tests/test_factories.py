"""The builders of tests/factories.py make rows the app itself would have made."""

from __future__ import annotations

import pytest

from tests.factories import create_active_space, create_registration
from tests.support import EMAIL, PASSWORD, SUBSCRIBER_NUMBER, logged_in
from web.extensions import db
from web.models import Dossier, Registration, RegistrationState


@pytest.mark.parametrize("state", list(RegistrationState))
def test_a_registration_is_built_in_every_state(app, state: RegistrationState):
    registration_id = create_registration(app, state)

    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        assert registration.state == state
        assert (registration.subscriber_number is not None) == (state == RegistrationState.ACTIVE)
        assert (registration.email is None) == (state == RegistrationState.EXPIRED)


def test_an_active_space_logs_in_with_the_test_password(app):
    registration_id, dossier_id = create_active_space(app, with_dossier=True)

    client = logged_in(app.test_client(), EMAIL, password=PASSWORD)

    assert SUBSCRIBER_NUMBER in client.get("/espace/").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Dossier, dossier_id).registration_id == registration_id
