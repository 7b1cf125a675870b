"""Shared fixtures: a real Redis, a fresh database per test, and wizard helpers."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_lib
from flask import Flask
from flask.testing import FlaskClient

from mailer.devsink import MailSink
from mailer.smtp import close_connection
from web import create_app
from web.embedded_redis import EmbeddedRedis
from web.extensions import db

CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*? value="([^"]+)"')
PASSWORD = "Kestrel42Vine"
VALID_SIREN = "732829320"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """REDIS_URL when set (CI's service), else an embedded redis-server for the session."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), persist=False)
    yield server.start()
    server.stop()


@pytest.fixture(scope="session")
def smtp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailSink]:
    """A real SMTP server (aiosmtpd) for the session; `outbox` empties it per test."""
    sink = MailSink(tmp_path_factory.mktemp("smtp-sink") / "maildir", port=0)
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def outbox(smtp_server: MailSink) -> list:
    """The mails the SMTP server received during this test, parsed, oldest first."""
    smtp_server.messages.clear()
    return smtp_server.messages


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """DATABASE_URL when set (CI's PostgreSQL), else a fresh SQLite file."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def app_config(
    database_url: str, redis_url: str, tmp_path: Path, smtp_server: MailSink, outbox: list
) -> dict:
    """The overrides every test app gets; tests may change them before `app` is built."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "AUTO_MIGRATE": False,
        # Cheap hashes keep the suite fast; one test checks the production defaults.
        "ARGON2_MEMORY_KIB": 1024,
        "ARGON2_TIME_COST": 1,
        "DEV_MAILBOX_DIR": str(tmp_path / "mailbox"),
        # A real SMTP conversation with the session's sink (Flask-Mail would suppress
        # sending under TESTING otherwise).
        "MAIL_SUPPRESS_SEND": False,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server.port,
        "PUBLIC_URL": "http://espace-pro.example.com",
    }


@pytest.fixture
def app(app_config: dict) -> Iterator[Flask]:
    """An app on a fresh schema and an empty Redis database."""
    app = create_app(app_config)
    with app.app_context():
        db.drop_all()
        db.create_all()
    redis_lib.Redis.from_url(app_config["REDIS_URL"]).flushdb()
    yield app
    with app.app_context():
        close_connection()
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    app.extensions["redis"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client with its own cookie jar."""
    return app.test_client()


@pytest.fixture
def redis_client(app: Flask) -> redis_lib.Redis:
    """The app's own Redis connection."""
    return app.extensions["redis"]


def csrf_token(html: str) -> str:
    """The CSRF token of the form on a page."""
    match = CSRF_PATTERN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def profile_data(**overrides) -> dict:
    """A valid step-3 form, with any field overridden."""
    data = {
        "civility": "mme",
        "last_name": "Lefèvre",
        "first_name": "Hélène",
        "company_id": "732 829 320",
        "phone": "06 12 34 56 78",
        "contact_email": "helene.lefevre@example.com",
        "street_number": "12 bis",
        "street_type": "rue",
        "street_name": "des Lilas",
        "address_complement": "Bâtiment B",
        "postal_code": "75011",
        "city": "Paris",
        "country": "FR",
        "trust_question": "first_pet",
        "trust_answer": "Caramel des Prés",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


class WizardActions:
    """Walk the sign-up wizard as a browser would, CSRF tokens included."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def post(self, url: str, data: dict, follow: bool = False):
        """GET the page for its token, then POST the form."""
        page = self.client.get(url)
        token = csrf_token(page.get_data(as_text=True)) if page.status_code == 200 else ""
        return self.client.post(url, data={"csrf_token": token, **data}, follow_redirects=follow)

    def accept_terms(self, **kwargs):
        return self.post("/inscription/etape-1", {"accept": "y"}, **kwargs)

    def credentials(
        self,
        email: str = "helene.lefevre@example.com",
        password: str = PASSWORD,
        confirm_email: str | None = None,
        confirm_password: str | None = None,
        **kwargs,
    ):
        return self.post(
            "/inscription/etape-2",
            {
                "email": email,
                "email_confirm": email if confirm_email is None else confirm_email,
                "password": password,
                "password_confirm": password if confirm_password is None else confirm_password,
            },
            **kwargs,
        )

    def profile(self, follow: bool = False, **overrides):
        return self.post("/inscription/etape-3", profile_data(**overrides), follow=follow)

    def confirm(self, **kwargs):
        return self.post("/inscription/confirmation", {}, **kwargs)

    def complete(self, email: str = "helene.lefevre@example.com", **profile_overrides):
        """Walk all four steps and validate; return the waiting page."""
        self.accept_terms()
        self.credentials(email=email)
        self.profile(**profile_overrides)
        return self.confirm(follow=True)


@pytest.fixture
def wizard(client: FlaskClient) -> WizardActions:
    """Wizard actions on the test client."""
    return WizardActions(client)


@pytest.fixture
def run_worker(app: Flask):
    """Run the RQ worker in burst mode, as production runs jobs (same code path)."""

    def run() -> None:
        from rq import Queue

        from worker import SessionPerJobWorker

        connection = app.extensions["redis"]
        queues = [Queue(name, connection=connection) for name in ("mail", "maintenance")]
        with app.app_context():
            SessionPerJobWorker(queues, connection=connection).work(
                burst=True, logging_level="WARNING"
            )

    return run


def code_from(message) -> str:
    """The activation code printed in a received mail's text part."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\b", text)
    assert match, "no activation code in the mail"
    return match.group(1)
