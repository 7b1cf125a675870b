"""Issue 12 point 11 in the space: the same rule when the trust question is changed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.account.spaces import page
from tests.support import PASSWORD, code_from, log_in, post_form
from web.extensions import db
from web.models import Registration

EMAIL = "antoine.petit@example.com"
URL = "/espace/question-de-confiance"
PERSONAL_ANSWER = "La réponse ne doit pas être votre nom, votre prénom ni votre adresse."


@pytest.fixture
def petit(app, wizard, outbox, run_worker) -> None:
    """Antoine Petit's active space, made through the pages and the worker."""
    wizard.complete(email=EMAIL, last_name="Petit", first_name="Antoine", city="Saint-Malo")
    run_worker()
    post_form(app.test_client(), "/activation/", {"email": EMAIL, "code": code_from(outbox[0])})
    with app.app_context():
        assert db.session.scalar(select(Registration.state)) == "active"


def change_question(client, answer: str):
    return post_form(
        client,
        URL,
        {"current_password": PASSWORD, "trust_question": "favourite_book", "trust_answer": answer},
    )


def test_the_book_le_petit_prince_is_accepted_for_mr_petit(client, petit):
    log_in(client, email=EMAIL)

    response = change_question(client, "Le Petit Prince")

    assert response.status_code == 302
    assert "Votre question de confiance a été modifiée." in page(client.get("/espace/"))


@pytest.mark.parametrize("answer", ["Petit", "Petit Antoine", "SAINT MALO"])
def test_his_own_name_or_town_is_still_refused(client, petit, answer):
    log_in(client, email=EMAIL)

    response = change_question(client, answer)

    assert response.status_code == 200
    assert PERSONAL_ANSWER in page(response)
