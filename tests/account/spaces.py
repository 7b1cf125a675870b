"""Helpers for the space and recovery tests: more people, cookies, clocks, mails, recovery."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import time_machine
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import activate_through_pages
from tests.support import PASSWORD, SECOND_EMAIL, post_form, text_of
from web.models import Registration

SECOND_ANSWER = "Biscotte la Grise"
SECOND_PROFILE = {
    "civility": "m",
    "last_name": "Dupont",
    "first_name": "Marc",
    "contact_email": "marc.dupont@example.com",
    "street_name": "des Acacias",
    "trust_answer": SECOND_ANSWER,
}
CSRF_FIELD = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
LINK = re.compile(r"https?://\S+/recuperation/reinitialiser\?jeton=[^\s\"<>]+")


def activate_another_space(
    app: Flask,
    outbox: list,
    run_worker,
    email: str = SECOND_EMAIL,
    password: str = PASSWORD,
    **profile,
) -> Registration:
    """Sign up and activate another space through the pages and the worker."""
    return activate_through_pages(
        app, outbox, run_worker, email, password=password, **(profile or SECOND_PROFILE)
    )


def browser(app: Flask, ip: str = "127.0.0.1") -> FlaskClient:
    """A new test client (its own cookie jar) whose requests come from `ip`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def session_of(app: Flask, client: FlaskClient) -> dict:
    """The client's Flask session, decoded with the app's own serializer."""
    cookie = client.get_cookie("session")
    if cookie is None:
        return {}
    return dict(app.session_interface.get_signing_serializer(app).loads(cookie.value))


def is_logged_in(client: FlaskClient) -> bool:
    """True when /espace/ shows the space, False when it sends the client to the login page."""
    response = client.get("/espace/")
    if response.status_code == 302:
        assert "/espace/connexion" in response.location
        return False
    assert response.status_code == 200
    assert "Mon espace abonné" in response.get_data(as_text=True)
    return True


def page(response) -> str:
    """The page's HTML with entities decoded (flashed messages escape their apostrophes)."""
    return html.unescape(response.get_data(as_text=True))


def frozen_clock(start: datetime | None = None):
    """A stopped clock (time-machine) to move by hand with `.shift(...)`."""
    return time_machine.travel(start or datetime.now(UTC), tick=False)


def without_csrf(html: str) -> str:
    """A page with its CSRF token field taken out, to compare two answers."""
    return CSRF_FIELD.sub("", html)


def mails_to(outbox: list, email: str, subject_part: str = "") -> list:
    """The received mails to `email` whose subject contains `subject_part`."""
    return [mail for mail in outbox if mail["To"] == email and subject_part in mail["Subject"]]


def reset_link(mail) -> str:
    """The path and query of the reset link in a mail."""
    match = LINK.search(text_of(mail))
    assert match, "no reset link in the mail"
    return match.group(0).split("espace-pro.example.com", 1)[1]


# --- recovery steps ----------------------------------------------------------------------


def ask_for_reset_link(app: Flask, outbox: list, run_worker, email: str, number: str) -> str:
    """« Mot de passe oublié » from a fresh browser, the worker, and the mailed link."""
    before = len(mails_to(outbox, email, "Réinitialisation"))
    post_form(
        browser(app), "/recuperation/mot-de-passe", {"email": email, "subscriber_number": number}
    )
    run_worker()
    mails = mails_to(outbox, email, "Réinitialisation")
    assert len(mails) == before + 1, "no reset link mailed"
    return reset_link(mails[-1])


def answer_question(client: FlaskClient, answer: str):
    """Submit an answer to the trust question of the client's recovery flow."""
    return post_form(client, "/recuperation/reinitialiser", {"answer": answer})


def choose_new_password(client: FlaskClient, password: str, confirm: str | None = None):
    """Submit the new password form of the client's recovery flow."""
    return post_form(
        client,
        "/recuperation/nouveau-mot-de-passe",
        {
            "new_password": password,
            "new_password_confirm": password if confirm is None else confirm,
        },
    )
