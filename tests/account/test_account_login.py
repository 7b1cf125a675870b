"""Log in and out: the space's content, one message for every refusal, server-side sessions."""

from __future__ import annotations

import re
from datetime import UTC
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tests.account.spaces import browser, is_logged_in, page, session_of, without_csrf
from tests.support import EMAIL, PASSWORD, csrf_token, log_in, post_form
from web import create_app
from web.core.sessions import SESSION_KEY
from web.extensions import db
from web.models import Registration

REFUSED = "Adresse électronique ou mot de passe incorrect."
PARIS = ZoneInfo("Europe/Paris")
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def test_right_credentials_open_the_space_with_number_date_identity_employer_and_contact(
    client, subscriber
):
    response = log_in(client)

    assert response.status_code == 302 and response.location.endswith("/espace/")
    space = client.get("/espace/")
    assert space.headers["Cache-Control"] == "no-store"  # personal data: never cached
    html = space.get_data(as_text=True)
    assert subscriber.subscriber_number in html
    activated = subscriber.activated_at.replace(tzinfo=UTC).astimezone(PARIS)
    assert f"{activated.day} {MONTHS[activated.month - 1]} {activated.year}" in html
    for text in (
        "Madame",
        "Lefèvre",
        "Hélène",
        EMAIL,  # identity
        "helene.lefevre@example.com",
        "des Lilas",
        "Bâtiment B",
        "75011 Paris",
        "France",
    ):  # contact
        assert text in html, text
    assert re.search(r"732\s?829\s?320", html)  # employer's SIREN
    assert re.search(r"6\s?12\s?34\s?56\s?78", html)  # contact phone
    assert "Quel était le nom de votre premier animal de compagnie ?" in html


def test_wrong_password_and_unknown_address_get_the_same_page_and_status(app, subscriber):
    wrong_password = log_in(browser(app), password="Mauvais99Mot")
    unknown = log_in(browser(app), email="personne@example.com")

    assert wrong_password.status_code == unknown.status_code == 401
    for response in (wrong_password, unknown):
        assert REFUSED in response.get_data(as_text=True)
    # Apart from the address typed back into the field, nothing tells them apart.
    assert without_csrf(wrong_password.get_data(as_text=True)) == without_csrf(
        unknown.get_data(as_text=True).replace("personne@example.com", EMAIL)
    )


def test_a_session_cookie_planted_before_login_is_not_the_logged_in_one(app, subscriber):
    attacker = browser(app, "203.0.113.66")
    attacker.get("/espace/connexion")
    planted = attacker.get_cookie("session").value
    victim = browser(app)
    victim.set_cookie("session", planted)

    log_in(victim)

    assert is_logged_in(victim)
    assert victim.get_cookie("session").value != planted
    assert not is_logged_in(attacker)


def test_a_csrf_token_known_before_login_is_worthless_after_it(app, subscriber):
    attacker = browser(app, "203.0.113.66")
    known_token = csrf_token(attacker.get("/espace/connexion").get_data(as_text=True))
    victim = browser(app)
    victim.set_cookie("session", attacker.get_cookie("session").value)
    log_in(victim)

    forged = victim.post("/espace/deconnexion", data={"csrf_token": known_token})

    assert forged.status_code == 400
    assert "Le formulaire a expiré ou n'est plus valide." in page(forged)
    assert is_logged_in(victim)


def test_the_session_cookie_holds_a_random_session_id_not_the_registration_or_a_secret(
    app, client, subscriber, redis_client
):
    log_in(client)

    data = session_of(app, client)
    session_id = data["_user_id"]
    assert session_id not in (str(subscriber.id), EMAIL, subscriber.subscriber_number)
    assert len(session_id) >= 32
    assert redis_client.exists(SESSION_KEY.format(session_id))
    raw = client.get_cookie("session").value
    for secret in (PASSWORD, EMAIL, subscriber.subscriber_number):
        assert secret not in repr(data) and secret not in raw


def test_the_session_cookie_is_httponly_and_samesite_lax(client, subscriber):
    response = log_in(client)

    cookie = next(
        value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_logout_from_one_holder_of_the_cookie_ends_the_session_for_every_holder(app, subscriber):
    owner = browser(app)
    log_in(owner)
    thief = browser(app, "203.0.113.66")
    thief.set_cookie("session", owner.get_cookie("session").value)
    assert is_logged_in(thief)

    response = post_form(thief, "/espace/", {}, action="/espace/deconnexion", follow=True)

    assert "Vous êtes déconnecté." in response.get_data(as_text=True)
    assert not is_logged_in(owner)
    assert not is_logged_in(thief)


def test_logout_ends_only_its_own_session(app, subscriber):
    office, home = browser(app), browser(app)
    log_in(office)
    log_in(home)

    post_form(office, "/espace/", {}, action="/espace/deconnexion")

    assert not is_logged_in(office)
    assert is_logged_in(home)


def test_the_space_redirects_to_the_login_page_with_a_message(client, subscriber):
    response = client.get("/espace/", follow_redirects=True)

    html = response.get_data(as_text=True)
    assert "Accédez à votre espace abonné" in html
    assert "Veuillez vous connecter pour accéder à votre espace abonné." in html
    assert subscriber.subscriber_number not in html


def stored_hash(app) -> str:
    with app.app_context():
        return db.session.scalar(
            select(Registration.password_hash).where(Registration.email == EMAIL)
        )


def test_login_rehashes_the_password_when_the_argon2_parameters_changed(
    app, app_config, subscriber
):
    before = stored_hash(app)
    assert "t=1," in before
    stronger = create_app({**app_config, "ARGON2_TIME_COST": 3})
    try:
        response = log_in(stronger.test_client())
        assert response.status_code == 302

        after = stored_hash(app)
        assert "t=3," in after and after != before
        assert before.split("$")[3] != after.split("$")[3]  # "m=1024,t=1,p=1" moved on
        # The rehashed password still opens the space.
        assert log_in(browser(app)).status_code == 302
    finally:
        with stronger.app_context():
            db.session.remove()
            db.engine.dispose()
        stronger.extensions["redis"].close()


def test_a_login_with_unchanged_parameters_keeps_the_stored_hash(app, client, subscriber):
    before = stored_hash(app)

    log_in(client)

    assert stored_hash(app) == before


def test_an_ended_session_leaves_no_trace_in_redis(app, client, subscriber, redis_client):
    log_in(client)
    session_id = session_of(app, client)["_user_id"]

    post_form(client, "/espace/", {}, action="/espace/deconnexion")

    assert not redis_client.exists(SESSION_KEY.format(session_id))


def test_every_login_gets_a_new_session_id(app, client, subscriber, redis_client):
    log_in(client)
    first = session_of(app, client)["_user_id"]
    post_form(client, "/espace/", {}, action="/espace/deconnexion")

    log_in(client)

    second = session_of(app, client)["_user_id"]
    assert second != first
    assert redis_client.exists(SESSION_KEY.format(second))
    assert not redis_client.exists(SESSION_KEY.format(first))
