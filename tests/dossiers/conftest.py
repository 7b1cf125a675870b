"""Dossiers fixtures: active subscribers made in the DB, logged-in clients, dossier rows."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from io import BytesIO

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from stdnum import luhn
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import PASSWORD, csrf_token
from web.core.secrets.hashing import hash_secret, hasher
from web.core.terms import TERMS_VERSION
from web.extensions import db
from web.models import Adhesion, AuditEvent, Dossier, Registration, RegistrationState

EMAIL = "helene.lefevre@example.com"
OTHER_EMAIL = "marc.durand@example.com"
ANY_CSRF = re.compile(
    r'name="[\w-]*csrf_token"[^>]*value="([^"]+)"'
    r'|value="([^"]+)"[^>]*name="[\w-]*csrf_token"'
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "app_config(**overrides): settings this test's app is built with"
    )


@pytest.fixture
def app_config(app_config: dict, request: pytest.FixtureRequest) -> dict:
    """The shared overrides, plus those of the test's `app_config` marker."""
    for marker in request.node.iter_markers("app_config"):
        app_config.update(marker.kwargs)
    return app_config


def valid_siren(seed: int) -> str:
    """A SIREN with a correct Luhn key, different for each seed."""
    base = f"{10_000_000 + seed:08d}"
    return base + luhn.calc_check_digit(base)


def page_token(html: str) -> str:
    """A CSRF token from any form of the page (prefixed forms included)."""
    match = ANY_CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


@pytest.fixture
def make_subscriber(app: Flask) -> Callable[..., int]:
    """Create an active subscriber directly in the DB; return its registration id."""

    def make(email: str = EMAIL, number: str = "20263100000001") -> int:
        with app.app_context():
            now = datetime(2026, 11, 2, 9, 30)
            registration = Registration(
                state=RegistrationState.ACTIVE,
                email=email,
                password_hash=hash_secret(hasher(), PASSWORD),
                terms_version=TERMS_VERSION,
                terms_accepted_at=now,
                civility="mme",
                last_name="Lefèvre",
                first_name="Hélène",
                foreign_company=False,
                company_id="732829320",
                phone="+33612345678",
                contact_email=email,
                street_number="12 bis",
                street_type="rue",
                street_name="des Lilas",
                postal_code="75011",
                city="Paris",
                country="FR",
                trust_question="first_pet",
                trust_answer_hash=hash_secret(hasher(), "caramel des pres"),
                created_at=now,
                code_sent_at=now,
                activated_at=now,
                subscriber_number=number,
            )
            db.session.add(registration)
            db.session.commit()
            return registration.id

    return make


@pytest.fixture
def log_in(app: Flask) -> Callable[[str], FlaskClient]:
    """A new client logged in through the login page."""

    def log_in(email: str = EMAIL) -> FlaskClient:
        client = app.test_client()
        page = client.get("/espace/connexion")
        response = client.post(
            "/espace/connexion",
            data={
                "csrf_token": csrf_token(page.get_data(as_text=True)),
                "email": email,
                "password": PASSWORD,
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        assert response.headers["Location"].endswith("/espace/")
        return client

    return log_in


@pytest.fixture
def subscriber_id(make_subscriber: Callable[..., int]) -> int:
    """The registration id of the main test subscriber."""
    return make_subscriber()


@pytest.fixture
def logged_in_client(subscriber_id: int, log_in: Callable[[str], FlaskClient]) -> FlaskClient:
    """The main subscriber, logged in."""
    return log_in(EMAIL)


class Space:
    """Post forms of the dossiers pages as the browser would, and read the rows behind them."""

    def __init__(self, app: Flask, client: FlaskClient, registration_id: int) -> None:
        self.app, self.client, self.registration_id = app, client, registration_id

    def token(self, url: str = "/espace/dossiers/") -> str:
        return page_token(self.client.get(url).get_data(as_text=True))

    def post(
        self, url: str, data: dict | None = None, token_from: str = "/espace/dossiers/", **kwargs
    ):
        return self.client.post(
            url, data={"csrf_token": self.token(token_from), **(data or {})}, **kwargs
        )

    def add(self, siren: str, label: str = "", **kwargs):
        return self.post(
            "/espace/dossiers/ajouter",
            {"siren": siren, "label": label},
            token_from="/espace/dossiers/ajouter",
            **kwargs,
        )

    def upload(self, content: bytes | None, filename: str = "clients.csv", **kwargs):
        """Send a file to the import page (None: the form without a file)."""
        fields = {"csrf_token": self.token("/espace/dossiers/importer")}
        if content is not None:
            fields["file"] = FileStorage(BytesIO(content), filename, content_type="text/csv")
        # Encoded in memory: the test client would spool a large body to an unclosed temp file.
        boundary, body = encode_multipart(fields)
        return self.client.post(
            "/espace/dossiers/importer",
            data=body,
            content_type=f"multipart/form-data; boundary={boundary}",
            **kwargs,
        )

    def adhere(self, dossier_id: int, service: str, role: str | None, **kwargs):
        data = {f"{service}-role": role} if role else {}
        return self.post(
            f"/espace/dossiers/{dossier_id}/services/{service}/adherer",
            data,
            token_from=f"/espace/dossiers/{dossier_id}",
            **kwargs,
        )

    def withdraw(self, dossier_id: int, adhesion_id: int, **kwargs):
        return self.post(
            f"/espace/dossiers/{dossier_id}/adhesions/{adhesion_id}/retirer",
            token_from=f"/espace/dossiers/{dossier_id}",
            **kwargs,
        )

    def dossiers(self) -> list[Dossier]:
        """The subscriber's dossiers, oldest first, detached."""
        with self.app.app_context():
            rows = list(
                db.session.scalars(
                    select(Dossier)
                    .where(Dossier.registration_id == self.registration_id)
                    .order_by(Dossier.id)
                )
            )
            db.session.expunge_all()
            return rows

    def sirens(self) -> list[str]:
        return [dossier.siren for dossier in self.dossiers()]

    def adhesions(self, dossier_id: int | None = None) -> list[Adhesion]:
        with self.app.app_context():
            query = select(Adhesion).order_by(Adhesion.id)
            if dossier_id is not None:
                query = query.where(Adhesion.dossier_id == dossier_id)
            rows = list(db.session.scalars(query))
            db.session.expunge_all()
            return rows

    def events(self, kind: str | None = None) -> list[AuditEvent]:
        with self.app.app_context():
            query = (
                select(AuditEvent)
                .where(AuditEvent.registration_id == self.registration_id)
                .order_by(AuditEvent.id)
            )
            if kind is not None:
                query = query.where(AuditEvent.kind == kind)
            rows = list(db.session.scalars(query))
            db.session.expunge_all()
            return rows

    def insert(self, sirens: list[str], labels: list[str] | None = None) -> list[int]:
        """Add dossier rows directly (bulk set-up for paging and limits); return their ids."""
        with self.app.app_context():
            rows = [
                Dossier(
                    registration_id=self.registration_id,
                    siren=siren,
                    label=labels[i] if labels else f"Entreprise {i + 1:03d}",
                )
                for i, siren in enumerate(sirens)
            ]
            db.session.add_all(rows)
            db.session.commit()
            return [row.id for row in rows]


@pytest.fixture
def space(app: Flask, logged_in_client: FlaskClient, subscriber_id: int) -> Space:
    """The main subscriber's dossiers, driven through a logged-in client."""
    return Space(app, logged_in_client, subscriber_id)


@pytest.fixture
def count(app: Flask) -> Callable[[type], int]:
    """How many rows a model has."""

    def read(model: type) -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(model))

    return read
