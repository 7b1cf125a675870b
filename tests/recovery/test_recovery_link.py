"""« Mot de passe oublié »: address + number → a mailed link; anything else → same page, no mail."""

from __future__ import annotations

import json

from tests.account.spaces import (
    ask_for_reset_link,
    browser,
    frozen_clock,
    mails_to,
    page,
    reset_link,
    session_of,
    text_of,
    without_csrf,
)
from tests.support import EMAIL, post_form
from web.recovery.routes import FLOW_KEY

URL = "/recuperation/mot-de-passe"
SENT = (
    "Si ces informations correspondent à un espace abonné actif, un courriel contenant un "
    "lien de réinitialisation vient d'être envoyé à {}. Ce lien est valable une heure."
)
QUESTION = "Quel était le nom de votre premier animal de compagnie ?"


def ask(client, email: str, number: str):
    return post_form(client, URL, {"email": email, "subscriber_number": number})


def test_the_address_and_number_of_a_space_get_a_mailed_link(app, subscriber, outbox, run_worker):
    response = ask(browser(app), EMAIL, subscriber.subscriber_number)

    assert SENT.format(EMAIL) in page(response)
    run_worker()
    (mail,) = outbox
    assert mail["To"] == EMAIL
    assert mail["Subject"] == "Réinitialisation de votre mot de passe espace-pro"
    assert "valable une heure et une seule fois" in text_of(mail)
    assert reset_link(mail).startswith("/recuperation/reinitialiser?jeton=")


def test_a_number_typed_with_spaces_is_accepted(app, subscriber, outbox, run_worker):
    number = subscriber.subscriber_number
    ask(browser(app), EMAIL, f"{number[:7]} {number[7:]}")
    run_worker()

    assert len(mails_to(outbox, EMAIL, "Réinitialisation")) == 1


def test_a_wrong_number_gets_the_same_page_and_no_mail(app, subscriber, outbox, run_worker):
    right = ask(browser(app), EMAIL, subscriber.subscriber_number)
    run_worker()
    outbox.clear()
    wrong_number = (
        "20140010000001" if subscriber.subscriber_number != "20140010000001" else ("20140010000002")
    )

    wrong = ask(browser(app), EMAIL, wrong_number)

    assert wrong.status_code == right.status_code == 200
    assert without_csrf(page(wrong)) == without_csrf(page(right))
    run_worker()
    assert outbox == []


def test_an_unknown_address_gets_the_same_page_and_no_mail(app, subscriber, outbox, run_worker):
    right = ask(browser(app), EMAIL, subscriber.subscriber_number)
    run_worker()
    outbox.clear()

    unknown = ask(browser(app), "personne@example.com", subscriber.subscriber_number)

    assert unknown.status_code == right.status_code == 200
    assert without_csrf(page(unknown)) == without_csrf(page(right)).replace(
        EMAIL, "personne@example.com"
    )
    run_worker()
    assert outbox == []


def test_a_malformed_number_is_explained_beside_its_field(app, subscriber, outbox, run_worker):
    response = ask(browser(app), EMAIL, "1234")

    assert "Le numéro d'abonné comporte 14 chiffres." in page(response)
    run_worker()
    assert outbox == []


def test_the_link_opens_the_question_and_leaves_the_address_bar_without_the_token(
    app, subscriber, outbox, run_worker, redis_client
):
    link = ask_for_reset_link(app, outbox, run_worker, EMAIL, subscriber.subscriber_number)
    token = link.split("jeton=", 1)[1]
    client = browser(app)

    opened = client.get(link)

    assert opened.status_code == 302
    assert opened.location == "/recuperation/reinitialiser"
    question = client.get(opened.location)
    html = page(question)
    assert question.status_code == 200
    assert QUESTION in html
    assert token not in html
    # Origin only, never the path (no-referrer would fail Flask-WTF's check over HTTPS).
    assert question.headers["Referrer-Policy"] == "strict-origin"
    assert "no-store" in question.headers["Cache-Control"]
    # The cookie carries a random flow id, not the token (nor anything derived from it).
    data = session_of(app, client)
    raw_cookie = client.get_cookie("session").value
    assert token not in repr(data) and token not in raw_cookie
    assert token[:20] not in raw_cookie
    flow = json.loads(redis_client.get(FLOW_KEY.format(data["reset_flow"])))
    assert flow["id"] == subscriber.id and flow["answered"] is False


def test_the_question_page_without_a_link_is_refused(app, subscriber):
    response = browser(app).get("/recuperation/reinitialiser")

    assert response.status_code == 400
    assert "Ce lien n'est pas valide ou a déjà été utilisé." in page(response)


def test_a_tampered_token_is_invalid(app, subscriber, outbox, run_worker):
    link = ask_for_reset_link(app, outbox, run_worker, EMAIL, subscriber.subscriber_number)
    # A character inside the signature (the last one may only carry padding bits).
    middle = link[-5]
    tampered = link[:-5] + ("A" if middle != "A" else "B") + link[-4:]

    response = browser(app).get(tampered)

    assert response.status_code == 400
    assert "Ce lien n'est pas valide ou a déjà été utilisé." in page(response)
    assert "Quel était le nom" not in page(response)


def test_a_link_signed_with_another_key_is_invalid(app, app_config, subscriber):
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer("another-key", salt="espace-pro.password-reset").dumps(
        {"id": subscriber.id, "pw": "0" * 24}
    )

    response = browser(app).get(f"/recuperation/reinitialiser?jeton={forged}")

    assert response.status_code == 400
    assert "Ce lien n'est pas valide ou a déjà été utilisé." in page(response)


def test_a_link_opened_late_does_not_outlive_its_hour(app, subscriber, outbox, run_worker):
    """Opened at minute 59, the recovery the link started ends with the link's hour."""
    with frozen_clock() as clock:
        link = ask_for_reset_link(app, outbox, run_worker, EMAIL, subscriber.subscriber_number)
        clock.shift(59 * 60)
        opened = browser(app)
        assert QUESTION in page(opened.get(link, follow_redirects=True))
        clock.shift(2 * 60)
        assert "a expiré" in page(opened.get("/recuperation/reinitialiser"))
