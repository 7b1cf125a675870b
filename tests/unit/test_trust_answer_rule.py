"""Issue 12 point 11: an answer is refused only when it IS the person's data, not when it
merely contains a name as one word among others (« Le Petit Prince » for Mr Petit)."""

from __future__ import annotations

import pytest

from web.domain.trust import answer_problems, login_names

TOO_SHORT = "La réponse doit contenir au moins 3 caractères."
PERSONAL = "La réponse ne doit pas être votre nom, votre prénom ni votre adresse."
# As the forms pass them: last name, first name, street, city, the login's local part.
PETIT = ["Petit", "Antoine", "des Lilas", "Saint-Malo", "antoine.petit"]


@pytest.mark.parametrize(
    "typed",
    [
        "Le Petit Prince",  # the case: the book, not the surname
        "Petit Jean",  # a friend's nickname
        "École Antoine de Saint-Exupéry",
        "Lilas",  # a pet named after the flower, not « des Lilas »
        "Les Lilas de Saint-Malo",
        "Petits Pois",
    ],
)
def test_an_answer_containing_a_personal_word_among_others_is_accepted(typed: str) -> None:
    assert answer_problems(typed, PETIT) == []


@pytest.mark.parametrize(
    "typed",
    [
        "petit",
        "  PETIT ",
        "Antoine",
        "Antóine",  # accents do not matter
        "des   lilas",  # nor spacing
        "SAINT-MALO",
        "saint malo",  # nor punctuation between words
        "Saint Malo",
        "Antoine.Petit",  # the login's local part
    ],
)
def test_an_answer_equal_to_a_personal_value_is_refused(typed: str) -> None:
    assert answer_problems(typed, PETIT) == [PERSONAL]


@pytest.mark.parametrize(
    "typed", ["Antoine Petit", "Petit Antoine", "antoine-petit", "PetitAntoine"]
)
def test_first_and_last_name_together_in_either_order_are_refused(typed: str) -> None:
    assert answer_problems(typed, PETIT) == [PERSONAL]


def test_the_minimum_length_still_comes_first() -> None:
    assert answer_problems(" P ", PETIT) == [TOO_SHORT]


def test_a_short_name_refuses_only_itself_and_its_combinations() -> None:
    assert answer_problems("Bo Li", ["Li", "Bo"]) == [PERSONAL]
    assert answer_problems("Li Bo", ["Li", "Bo"]) == [PERSONAL]
    assert answer_problems("Lili", ["Li", "Bo"]) == []
    assert answer_problems("Li Po Ming", ["Li", "Bo"]) == []


def test_punctuation_only_values_forbid_nothing() -> None:
    assert answer_problems("...", ["", "  ", "-"]) == []


def test_the_login_gives_its_local_part_and_each_piece_of_it() -> None:
    assert login_names("ann.jones@example.com") == ["ann.jones", "ann", "jones"]
    assert login_names("marie-lou_b+news@example.com") == [
        "marie-lou_b+news",
        "marie",
        "lou",
        "b",
        "news",
    ]
    assert login_names("") == []


def test_a_name_read_in_the_login_is_refused_alone_but_not_inside_an_answer() -> None:
    forbidden = ["", "", "des Lilas", "Lyon", *login_names("ann.jones@example.com")]
    assert answer_problems("Jones", forbidden) == [PERSONAL]
    assert answer_problems("Jones Ann", forbidden) == [PERSONAL]
    assert answer_problems("Bridget Jones", forbidden) == []
