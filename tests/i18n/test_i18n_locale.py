"""Choosing the language: French by default, the browser's Accept-Language, or the switch,
remembered in a cookie; the switch goes back only to a page of this site."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, render_template_string
from flask_babel import force_locale
from sqlalchemy import select

from tests.i18n.english import EMAIL, english_browser
from tests.support import csrf_token
from tests.web.pages import Page
from web.extensions import db
from web.models import Registration

FRENCH_HEADING = "1ère étape : acceptez les conditions générales"
ENGLISH_HEADING = "Step 1: accept the terms of use"


def heading(response) -> str:
    return Page(response).h1


def test_french_is_the_default_without_cookie_or_accept_language(client):
    response = client.get("/inscription/etape-1")

    assert heading(response) == FRENCH_HEADING
    assert '<html lang="fr">' in response.get_data(as_text=True)


@pytest.mark.parametrize("header", ["en-GB", "en-GB,en;q=0.9", "de-DE,en;q=0.5", "en-US"])
def test_a_browser_asking_for_english_gets_english(client, header):
    response = client.get("/inscription/etape-1", headers={"Accept-Language": header})

    assert heading(response) == ENGLISH_HEADING
    assert '<html lang="en">' in response.get_data(as_text=True)


@pytest.mark.parametrize("header", ["fr-FR,fr;q=0.9,en;q=0.8", "de-DE", "*", "fr-CA"])
def test_a_browser_preferring_french_or_neither_gets_french(client, header):
    response = client.get("/inscription/etape-1", headers={"Accept-Language": header})

    assert heading(response) == FRENCH_HEADING


def test_pages_vary_on_the_language_for_caches(client):
    response = client.get("/")

    assert {"Accept-Language", "Cookie"} <= set(response.vary)


def test_the_switch_sets_a_year_long_lax_cookie_and_goes_back_to_the_page(client):
    response = client.get("/langue/en?next=/inscription/etape-1")

    assert response.status_code == 302
    assert response.location == "/inscription/etape-1"
    (cookie,) = [
        value for value in response.headers.getlist("Set-Cookie") if value.startswith("lang=")
    ]
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")}
    assert cookie.startswith("lang=en;")
    assert attributes["max-age"] == f"Max-Age={365 * 24 * 3600}"
    assert attributes["samesite"] == "SameSite=Lax"
    assert attributes["path"] == "Path=/"


def test_the_choice_is_remembered_over_the_browser_language(client):
    client.get("/langue/en")

    for page in ("/", "/inscription/etape-1", "/conditions-generales"):
        response = client.get(page, headers={"Accept-Language": "fr-FR,fr"})
        assert '<html lang="en">' in response.get_data(as_text=True), page

    client.get("/langue/fr")
    response = client.get("/inscription/etape-1", headers={"Accept-Language": "en-GB"})
    assert heading(response) == FRENCH_HEADING


def test_the_switch_on_every_page_names_the_other_language_and_comes_back_here(client):
    french = Page(client.get("/inscription/etape-1?x=1"))
    (link,) = french.root.find_all("a", hreflang="en")
    assert link.text == "English" and link.attrs["lang"] == "en"
    href = urlsplit(link.attrs["href"])
    assert href.path == "/langue/en"
    assert parse_qs(href.query) == {"next": ["/inscription/etape-1?x=1"]}

    back = client.get(link.attrs["href"])
    assert back.location == "/inscription/etape-1?x=1"
    (link,) = Page(client.get(back.location)).root.find_all("a", hreflang="fr")
    assert link.text == "Français" and link.attrs["lang"] == "fr"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example.com",
        "https://evil.example.com",
        "http://evil.example.com/x",
        "/\\evil.example.com",
        "\\\\evil.example.com",
        "evil.example.com",
        "javascript:alert(1)",
        "/\t/evil.example.com",
        "///evil.example.com",
        "",
    ],
)
def test_the_switch_refuses_to_send_anywhere_else(client, target):
    response = client.get("/langue/en", query_string={"next": target})

    assert response.status_code == 302
    assert response.location == "/"


def test_an_unknown_language_is_a_404_and_sets_nothing(client):
    response = client.get("/langue/de?next=/")

    assert response.status_code == 404
    assert not response.headers.getlist("Set-Cookie") or all(
        not value.startswith("lang=") for value in response.headers.getlist("Set-Cookie")
    )


def test_a_forged_cookie_value_falls_back_to_the_browser_language(client):
    client.set_cookie("lang", "xx")

    assert heading(client.get("/inscription/etape-1")) == FRENCH_HEADING
    assert (
        heading(client.get("/inscription/etape-1", headers={"Accept-Language": "en"}))
        == ENGLISH_HEADING
    )


def test_dates_and_times_are_written_the_english_way(app: Flask):
    moment = datetime(2026, 11, 29, 9, 15, tzinfo=UTC)  # 10:15 in Paris
    template = "{{ moment|paris_datetime }} / {{ moment|paris_date }}"
    with app.test_request_context():
        with force_locale("en"):
            assert render_template_string(template, moment=moment) == (
                "29 November 2026 at 10:15 / 29 November 2026"
            )
        with force_locale("fr"):
            assert render_template_string(template, moment=moment) == (
                "29 novembre 2026 à 10:15 / 29 novembre 2026"
            )


def test_the_language_of_the_sign_up_becomes_the_language_of_the_mails(app, run_worker):
    from tests.i18n.english import sign_up_in_english

    sign_up_in_english(english_browser(app))

    with app.app_context():
        registration = db.session.scalar(select(Registration).where(Registration.email == EMAIL))
        assert registration.preferred_locale == "en"


def stored_language(app: Flask, registration_id: int) -> str:
    with app.app_context():
        return db.session.get(Registration, registration_id).preferred_locale


def header_switch(response) -> Page:
    """The page, after checking that its header offers the switch as a form, not a link."""
    page = Page(response)
    assert not page.root.find_all("a", hreflang="fr")
    return page


def test_a_logged_in_subscriber_switching_language_changes_the_language_of_mails(
    app, english, english_subscriber
):
    page = header_switch(english.get("/espace/"))
    (form,) = [
        node
        for node in page.root.find_all("form")
        if node.attrs.get("action", "").startswith("/langue/")
    ]
    assert form.attrs["action"] == "/langue/fr" and form.attrs["method"] == "post"
    (button,) = form.find_all("button")
    assert button.text == "Français" and button.attrs["lang"] == "fr"
    fields = {node.attrs["name"]: node.attrs.get("value", "") for node in form.find_all("input")}
    assert fields["next"] == "/espace/" and fields["csrf_token"]

    response = english.post("/langue/fr", data=fields)

    assert response.status_code == 302 and response.location == "/espace/"
    assert stored_language(app, english_subscriber.id) == "fr"
    assert heading(english.get("/espace/")) == "Mon espace abonné"


def test_a_link_to_the_switch_changes_the_page_but_not_the_language_of_mails(
    app, english, english_subscriber
):
    # A GET can come from anywhere (a link in a mail, an image on another site).
    response = english.get("/langue/fr?next=/espace/")

    assert response.status_code == 302 and response.location == "/espace/"
    assert any(value.startswith("lang=fr;") for value in response.headers.getlist("Set-Cookie"))
    assert stored_language(app, english_subscriber.id) == "en"
    assert heading(english.get("/espace/")) == "Mon espace abonné"


def test_the_switch_post_needs_the_csrf_token(app, english, english_subscriber):
    response = english.post("/langue/fr", data={"next": "/espace/"})

    assert response.status_code == 400
    assert not any(value.startswith("lang=") for value in response.headers.getlist("Set-Cookie"))
    assert stored_language(app, english_subscriber.id) == "en"


def test_the_switch_post_goes_back_only_to_a_page_of_this_site(app, english, english_subscriber):
    token = csrf_token(english.get("/espace/").get_data(as_text=True))

    response = english.post(
        "/langue/fr", data={"csrf_token": token, "next": "//evil.example.com/x"}
    )

    assert response.status_code == 302 and response.location == "/"
    assert stored_language(app, english_subscriber.id) == "fr"
