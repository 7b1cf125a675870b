"""Every POST must come from this site's pages: `Origin` (or, over HTTPS without it, the
`Referer`) is checked before any view, on top of the CSRF token."""

from __future__ import annotations

import html

import pytest

from tests.support import EMAIL, PASSWORD, csrf_token, log_in

REFUSED = "Cet envoi ne vient pas d'une page de ce site"


def login_post(client, base_url: str = "http://localhost", **headers):
    token = csrf_token(client.get("/espace/connexion", base_url=base_url).get_data(as_text=True))
    return client.post(
        "/espace/connexion",
        data={"csrf_token": token, "email": EMAIL, "password": PASSWORD},
        headers=headers,
        base_url=base_url,
    )


@pytest.mark.parametrize(
    "origin",
    ["https://attacker.example.com", "http://localhost.example.com", "null", "http://localhost:81"],
)
def test_a_post_from_another_origin_is_refused_before_the_view(client, subscriber, origin):
    response = login_post(client, Origin=origin)

    assert response.status_code == 403
    page = html.unescape(response.get_data(as_text=True))
    assert REFUSED in page and '<html lang="fr">' in page
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "session" not in response.headers.get("Set-Cookie", "").split("=")[0]
    assert client.get("/espace/").status_code == 302  # not logged in


def test_a_post_from_our_own_pages_goes_through(client, subscriber):
    assert login_post(client, Origin="http://localhost").status_code == 302
    assert client.get("/espace/").status_code == 200


def test_over_https_without_origin_the_referer_must_be_ours(client, subscriber):
    https = "https://localhost"
    assert login_post(client, https).status_code == 403  # neither Origin nor Referer
    refused = login_post(client, https, Referer="https://attacker.example.com/espace/connexion")
    assert refused.status_code == 403
    accepted = login_post(client, https, Referer="https://localhost/espace/connexion")
    assert accepted.status_code == 302


def test_over_https_a_foreign_origin_is_refused_even_with_our_referer(client, subscriber):
    https = "https://localhost"
    refused = login_post(
        client, https, Origin="https://attacker.example.com", Referer=f"{https}/espace/connexion"
    )
    assert refused.status_code == 403
    accepted = login_post(client, https, Origin=https, Referer=f"{https}/espace/connexion")
    assert accepted.status_code == 302


def test_the_check_covers_the_space_forms_too(app, client, subscriber):
    log_in(client)
    token = csrf_token(client.get("/espace/mot-de-passe").get_data(as_text=True))

    response = client.post(
        "/espace/deconnexion",
        data={"csrf_token": token},
        headers={"Origin": "https://attacker.example.com"},
    )

    assert response.status_code == 403
    assert client.get("/espace/").status_code == 200  # still logged in
