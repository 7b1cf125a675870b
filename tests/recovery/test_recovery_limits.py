"""Recovery limits: five wrong answers lock it for an hour; at most three mails an hour."""

from __future__ import annotations

from tests.account.spaces import (
    answer_question,
    ask_for_reset_link,
    browser,
    choose_new_password,
    mails_to,
    page,
    without_csrf,
)
from tests.support import EMAIL, PASSWORD, csrf_token, log_in, post_form
from web.recovery.routes import LOCK_KEY

LOCKED = (
    "Après cinq réponses erronées à la question de confiance, la réinitialisation du mot "
    "de passe est bloquée pendant une heure. Réessayez plus tard."
)
NEW_PASSWORD = "Heron58Quartz"


def test_five_wrong_answers_lock_recovery_for_an_hour_even_with_the_right_answer(
    app, subscriber, outbox, run_worker, redis_client
):
    link = ask_for_reset_link(app, outbox, run_worker, EMAIL, subscriber.subscriber_number)
    client = browser(app)
    client.get(link)
    for left in (4, 3, 2, 1):
        wrong = answer_question(client, "Chocolat")
        assert f"Réponse incorrecte. Il vous reste {left} essai(s)." in page(wrong)

    fifth = answer_question(client, "Chocolat")

    assert fifth.status_code == 429
    assert LOCKED in page(fifth)
    locked_page = client.get("/recuperation/reinitialiser")
    assert locked_page.status_code == 429 and LOCKED in page(locked_page)
    assert 'name="answer"' not in page(locked_page)
    # A new link does not help either.
    outbox.clear()
    second = ask_for_reset_link(app, outbox, run_worker, EMAIL, subscriber.subscriber_number)
    other = browser(app)
    other.get(second)
    assert other.get("/recuperation/reinitialiser").status_code == 429
    assert client.get("/recuperation/nouveau-mot-de-passe").status_code == 302

    # The hour passes (the lock's Redis TTL, simulated by deleting the key).
    redis_client.delete(LOCK_KEY.format(subscriber.id))

    retry = answer_question(other, "Caramel des Prés")
    assert retry.status_code == 302 and retry.location == "/recuperation/nouveau-mot-de-passe"
    assert choose_new_password(other, NEW_PASSWORD).status_code == 302
    assert log_in(browser(app), password=NEW_PASSWORD).status_code == 302


def test_the_locked_answer_form_rejects_the_right_answer_with_a_valid_token(
    app, subscriber, outbox, run_worker, redis_client
):
    link = ask_for_reset_link(app, outbox, run_worker, EMAIL, subscriber.subscriber_number)
    client = browser(app)
    client.get(link)
    token_page = page(client.get("/recuperation/reinitialiser"))
    for _ in range(5):
        answer_question(client, "Chocolat")
    assert redis_client.exists(LOCK_KEY.format(subscriber.id))

    response = client.post(
        "/recuperation/reinitialiser",
        data={"csrf_token": csrf_token(token_page), "answer": "Caramel des Prés"},
    )

    assert response.status_code == 429
    assert LOCKED in page(response)
    assert client.get("/recuperation/nouveau-mot-de-passe").location == (
        "/recuperation/reinitialiser"
    )
    assert log_in(browser(app)).status_code == 302  # the old password still holds


def test_a_right_answer_starts_the_count_of_wrong_answers_again(
    app, subscriber, outbox, run_worker
):
    link = ask_for_reset_link(app, outbox, run_worker, EMAIL, subscriber.subscriber_number)
    client = browser(app)
    client.get(link)
    for _ in range(4):
        answer_question(client, "Chocolat")
    answer_question(client, "Caramel des Prés")

    again = browser(app)
    again.get(link)
    response = answer_question(again, "Chocolat")

    assert "Réponse incorrecte. Il vous reste 4 essai(s)." in page(response)


def test_a_fourth_recovery_request_within_the_hour_sends_no_fourth_mail(
    app, subscriber, outbox, run_worker
):
    pages = []
    for _ in range(4):
        pages.append(
            post_form(
                browser(app),
                "/recuperation/mot-de-passe",
                {"email": EMAIL, "subscriber_number": subscriber.subscriber_number},
            )
        )
        run_worker()

    assert len(mails_to(outbox, EMAIL, "Réinitialisation")) == 3
    assert len({without_csrf(page(response)) for response in pages}) == 1
    assert all(response.status_code == 200 for response in pages)
    assert log_in(browser(app), password=PASSWORD).status_code == 302
