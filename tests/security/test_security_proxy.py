"""X-Forwarded-* headers count only from as many proxies as PROXY_FIX_X_* say (none by default)."""

from __future__ import annotations

import pytest
from flask import Flask, request

from tests.factories import create_active_space
from tests.support import logged_in
from tests.web.pages import Page
from web import create_app

PROXY = "198.51.100.7"  # the TLS proxy: what the WSGI server sees as the peer
CLIENT = "203.0.113.9"  # the address the proxy appends to X-Forwarded-For
SPOOFED = "203.0.113.66"  # what a client writes itself into X-Forwarded-For
HSTS = "max-age=31536000; includeSubDomains"
ONE_PROXY = {"PROXY_FIX_X_FOR": 1, "PROXY_FIX_X_PROTO": 1, "PROXY_FIX_X_HOST": 1}


@pytest.fixture
def app_config(app_config: dict, request: pytest.FixtureRequest) -> dict:
    """The shared overrides, plus the test's own (indirect parametrisation)."""
    return app_config | getattr(request, "param", {})


def add_echo_route(app: Flask) -> None:
    """A test-only route answering what the app believes about the request."""

    @app.route("/test-only/seen")
    def seen():
        return {"remote_addr": request.remote_addr, "scheme": request.scheme, "host": request.host}


def forwarded_headers() -> dict:
    return {
        "X-Forwarded-For": f"{SPOOFED}, {CLIENT}",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "espace-pro.example.com",
    }


def login_ip_in_history(app: Flask) -> str:
    """Log in from behind the proxy; the IP the « Historique » page shows for the login."""
    create_active_space(app)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = PROXY
    client.environ_base["HTTP_X_FORWARDED_FOR"] = f"{SPOOFED}, {CLIENT}"
    logged_in(client)
    history = Page(client.get("/espace/historique"))
    assert history.h1 == "Historique"
    return {event: ip for _, event, _, ip in history.table_cells()}["Connexion"]


def test_by_default_x_forwarded_for_is_ignored_in_the_history(app):
    assert login_ip_in_history(app) == PROXY


@pytest.mark.parametrize("app_config", [{"PROXY_FIX_X_FOR": 1}], indirect=True)
def test_behind_one_trusted_proxy_the_history_shows_the_address_it_forwarded(app):
    # Only the last hop counts: the address the client wrote itself is not believed.
    assert login_ip_in_history(app) == CLIENT


def test_by_default_the_app_sees_the_peer_and_no_https(app):
    add_echo_route(app)
    client = app.test_client()

    response = client.get(
        "/test-only/seen", headers=forwarded_headers(), environ_base={"REMOTE_ADDR": PROXY}
    )

    assert response.json == {"remote_addr": PROXY, "scheme": "http", "host": "localhost"}
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("app_config", [ONE_PROXY], indirect=True)
def test_behind_one_trusted_proxy_the_app_sees_the_client_https_and_public_host(app):
    add_echo_route(app)
    client = app.test_client()

    response = client.get(
        "/test-only/seen", headers=forwarded_headers(), environ_base={"REMOTE_ADDR": PROXY}
    )

    assert response.json == {
        "remote_addr": CLIENT,
        "scheme": "https",
        "host": "espace-pro.example.com",
    }


@pytest.mark.parametrize("app_config", [{"PROXY_FIX_X_PROTO": 1}], indirect=True)
def test_x_forwarded_proto_https_from_a_trusted_proxy_turns_hsts_on(app):
    page = app.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    plain = app.test_client().get("/")

    assert "Professionnels" in page.get_data(as_text=True)
    assert page.headers["Strict-Transport-Security"] == HSTS
    assert "Strict-Transport-Security" not in plain.headers


def test_x_forwarded_proto_from_an_untrusted_client_does_not_turn_hsts_on(app):
    page = app.test_client().get("/", headers={"X-Forwarded-Proto": "https"})

    assert "Professionnels" in page.get_data(as_text=True)
    assert "Strict-Transport-Security" not in page.headers


def test_the_proxy_settings_come_from_the_environment(app_config, monkeypatch):
    monkeypatch.setenv("PROXY_FIX_X_FOR", "1")
    monkeypatch.setenv("PROXY_FIX_X_PROTO", "1")
    app = create_app(app_config)
    try:
        add_echo_route(app)
        response = app.test_client().get(
            "/test-only/seen", headers=forwarded_headers(), environ_base={"REMOTE_ADDR": PROXY}
        )
    finally:
        app.extensions["redis"].close()

    assert response.json == {"remote_addr": CLIENT, "scheme": "https", "host": "localhost"}
    assert response.headers["Strict-Transport-Security"] == HSTS
