"""« Modifier ma question de confiance »: the password first; the new answer is the one asked."""

from __future__ import annotations

from sqlalchemy import select

from tests.account.spaces import (
    answer_question,
    ask_for_reset_link,
    browser,
    page,
)
from tests.support import EMAIL, PASSWORD, log_in, post_form
from web.extensions import db
from web.models import Registration

URL = "/espace/question-de-confiance"
OLD_ANSWER = "Caramel des Prés"
NEW_ANSWER = "Les Misérables"
BOOK = "Quel est le titre de votre livre préféré ?"


def change_question(client, current: str, answer: str, question: str = "favourite_book"):
    return post_form(
        client,
        URL,
        {"current_password": current, "trust_question": question, "trust_answer": answer},
    )


def trust_of(app) -> tuple[str, str]:
    with app.app_context():
        return db.session.execute(
            select(Registration.trust_question, Registration.trust_answer_hash).where(
                Registration.email == EMAIL
            )
        ).one()


def test_a_new_question_and_answer_are_asked_in_recovery_afterwards(
    app, client, subscriber, outbox, run_worker
):
    log_in(client)

    response = change_question(client, PASSWORD, NEW_ANSWER)

    assert response.status_code == 302
    home = page(client.get("/espace/"))
    assert "Votre question de confiance a été modifiée." in home
    assert BOOK in home
    link = ask_for_reset_link(app, outbox, run_worker, EMAIL, subscriber.subscriber_number)
    recovery = browser(app)
    assert BOOK in page(recovery.get(link, follow_redirects=True))
    wrong = answer_question(recovery, OLD_ANSWER)
    assert "Réponse incorrecte. Il vous reste 4 essai(s)." in page(wrong)
    right = answer_question(recovery, "  les MISERABLES ")
    assert right.status_code == 302
    assert right.location == "/recuperation/nouveau-mot-de-passe"


def test_the_question_does_not_change_without_the_current_password(app, client, subscriber):
    log_in(client)
    before = trust_of(app)

    response = change_question(client, "Mauvais99Mot", NEW_ANSWER)

    assert response.status_code == 200
    assert "Le mot de passe actuel est incorrect." in page(response)
    assert trust_of(app) == before


def test_an_answer_that_is_the_subscribers_name_is_refused(app, client, subscriber):
    log_in(client)
    before = trust_of(app)

    response = change_question(client, PASSWORD, "lefevre")

    assert response.status_code == 200
    assert "La réponse ne doit pas être votre nom, votre prénom ni votre adresse." in page(response)
    assert trust_of(app) == before


def test_an_answer_of_two_letters_is_refused(app, client, subscriber):
    log_in(client)

    response = change_question(client, PASSWORD, "ab")

    assert "La réponse doit contenir au moins 3 caractères." in page(response)


def test_the_answer_is_stored_as_an_argon2id_hash_only(app, client, subscriber):
    log_in(client)

    change_question(client, PASSWORD, NEW_ANSWER)

    question, answer_hash = trust_of(app)
    assert question == "favourite_book"
    assert answer_hash.startswith("$argon2id$")
    assert "miserables" not in answer_hash.casefold()
