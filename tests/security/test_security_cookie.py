"""The session cookie: HttpOnly and Lax; Secure with the __Host- prefix in production."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
import time_machine

from tests.factories import create_active_space
from tests.security.accounts import set_cookies, submit_like_a_browser
from tests.support import logged_in
from tests.web.pages import Page
from web import config as settings

PRODUCTION = {"APP_ENV": "production", "DEV_MAILBOX_DIR": None}
NOW = datetime(2030, 3, 14, 9, 4, tzinfo=UTC)


@pytest.fixture
def app_config(app_config: dict, request: pytest.FixtureRequest) -> dict:
    """The shared overrides, plus the test's own (indirect parametrisation)."""
    return app_config | getattr(request, "param", {})


def session_cookie_of(response):
    """The one session cookie a response sets."""
    cookies = set_cookies(response)
    assert len(cookies) == 1, cookies
    return next(iter(cookies.values()))


def test_in_development_the_session_cookie_is_httponly_and_lax(client):
    cookie = session_cookie_of(client.get("/inscription/etape-1"))

    assert cookie.name == "session"
    assert cookie.flags >= {"httponly", "samesite", "path"}
    assert cookie.attributes["samesite"] == "Lax"
    assert "secure" not in cookie.flags  # http://127.0.0.1 on a laptop


@pytest.mark.parametrize("app_config", [PRODUCTION], indirect=True)
def test_in_production_the_session_cookie_is_a_secure_host_cookie(client):
    response = client.get("/inscription/etape-1", base_url="https://espace-pro.example.com")
    cookie = session_cookie_of(response)

    assert cookie.name == "__Host-session"
    assert cookie.flags >= {"secure", "httponly"}
    assert cookie.attributes["samesite"] == "Lax"
    assert cookie.attributes["path"] == "/"
    assert "domain" not in cookie.flags  # the __Host- prefix forbids it


@pytest.mark.parametrize("app_config", [PRODUCTION], indirect=True)
def test_in_production_the_wizard_keeps_its_state_in_the_host_cookie(client):
    response = submit_like_a_browser(
        client, "/inscription/etape-1", {"accept": "y"}, base_url="https://espace-pro.example.com"
    )

    assert response.request.path == "/inscription/etape-2"
    assert Page(response).h1 == "2ème étape : créez vos identifiants"
    assert client.get_cookie("__Host-session", domain="espace-pro.example.com") is not None
    assert client.get_cookie("session", domain="espace-pro.example.com") is None


def test_cookie_secure_0_serves_production_over_plain_http(app_config, monkeypatch):
    monkeypatch.setenv("COOKIE_SECURE", "0")
    from web import create_app

    app = create_app(app_config | PRODUCTION)
    try:
        cookie = session_cookie_of(app.test_client().get("/inscription/etape-1"))
    finally:
        app.extensions["redis"].close()

    assert cookie.name == "session"
    assert "secure" not in cookie.flags
    assert cookie.flags >= {"httponly", "samesite"}
    assert cookie.attributes["samesite"] == "Lax"


def test_the_environment_ties_the_cookie_lifetime_to_the_absolute_session_limit(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("SESSION_ABSOLUTE_SECONDS", "7200")

    config = settings.from_environment(str(tmp_path))

    assert config["PERMANENT_SESSION_LIFETIME"] == config["SESSION_ABSOLUTE_SECONDS"] == 7200


@pytest.mark.parametrize(
    ("app_config", "lifetime"),
    [
        ({}, timedelta(hours=12)),
        # A longer cookie lifetime set by mistake is cut to the absolute limit.
        (
            {"SESSION_ABSOLUTE_SECONDS": 3600, "PERMANENT_SESSION_LIFETIME": 30 * 86400},
            timedelta(hours=1),
        ),
    ],
    indirect=["app_config"],
    ids=["default-12h", "capped-1h"],
)
def test_the_login_cookie_expires_no_later_than_the_absolute_session_limit(app, client, lifetime):
    create_active_space(app)
    with time_machine.travel(NOW, tick=False):
        client.get("/espace/connexion")
        logged_in(client)
        response = client.get("/espace/")

    cookie = session_cookie_of(response)
    assert parsedate_to_datetime(cookie.attributes["expires"]) == NOW + lifetime
