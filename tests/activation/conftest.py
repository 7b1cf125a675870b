"""Activation fixtures: sign up and read the code, read a registration."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.activation.helpers import EMAIL, mails_to
from tests.support import WizardActions, code_from
from web.extensions import db
from web.models import Registration


@pytest.fixture
def sign_up(app: Flask, run_worker: Callable[[], None], outbox: list) -> Callable[..., str]:
    """Walk the wizard on a client (a new one by default), run the worker, return the code."""

    def sign_up(email: str = EMAIL, client: FlaskClient | None = None) -> str:
        WizardActions(client or app.test_client()).complete(email=email)
        run_worker()
        received = mails_to(outbox, email)
        assert received, f"no mail reached {email}"
        return code_from(received[-1])

    return sign_up


@pytest.fixture
def registration(app: Flask) -> Callable[..., Registration | None]:
    """The registration of an address (or the only/last one), read in a fresh session."""

    def load(email: str | None = EMAIL, registration_id: int | None = None):
        with app.app_context():
            query = select(Registration).order_by(Registration.id.desc())
            if registration_id is not None:
                query = query.where(Registration.id == registration_id)
            elif email is not None:
                query = query.where(Registration.email == email)
            found = db.session.scalars(query).first()
            db.session.expunge_all()
            return found

    return load
