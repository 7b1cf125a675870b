"""Issue 12 point 11 at step 3: « Le Petit Prince » is an honest answer for Mr Petit."""

from __future__ import annotations

import pytest

from tests.web.pages import Page, refusal

PERSONAL_ANSWER = "La réponse ne doit pas être votre nom, votre prénom ni votre adresse."
PETIT = {
    "last_name": "Petit",
    "first_name": "Antoine",
    "street_name": "du Moulin",
    "city": "Saint-Malo",
    "postal_code": "35400",
    "trust_question": "favourite_book",
}


@pytest.fixture
def at_step_3(wizard):
    """Antoine Petit has accepted the terms and chosen his credentials."""
    wizard.accept_terms()
    wizard.credentials(email="antoine.petit@example.com")
    return wizard


@pytest.mark.parametrize("answer", ["Le Petit Prince", "Le Moulin de Daudet", "Saint-Malo 1900"])
def test_an_answer_with_a_personal_word_among_others_is_accepted(at_step_3, answer):
    response = at_step_3.profile(trust_answer=answer, **PETIT)

    assert response.status_code == 302, Page(response).errors()
    assert response.headers["Location"] == "/inscription/confirmation"


@pytest.mark.parametrize("answer", ["PETIT", "Antoine Petit", "petit antoine", "saint malo"])
def test_an_answer_that_is_his_name_or_his_town_is_refused_beside_the_field(at_step_3, answer):
    response = at_step_3.profile(trust_answer=answer, **PETIT)

    assert refusal(response, "trust_answer") == PERSONAL_ANSWER
