"""Unit tests for web.domain.trust."""

from __future__ import annotations

import pytest

from web.domain.trust import TRUST_QUESTIONS, answer_problems, normalise_answer

TOO_SHORT = "La réponse doit contenir au moins 3 caractères."
PERSONAL = "La réponse ne doit pas être votre nom, votre prénom ni votre adresse."
FORBIDDEN = ["Dupont", "Jean", "Victor Hugo", "Paris", "jean.dupont"]


def test_there_are_at_least_six_distinct_questions() -> None:
    assert len(TRUST_QUESTIONS) >= 6
    assert len({key for key, _ in TRUST_QUESTIONS}) == len(TRUST_QUESTIONS)


def test_questions_are_french_questions() -> None:
    assert ("first_pet", "Quel était le nom de votre premier animal de compagnie ?") in (
        TRUST_QUESTIONS
    )
    for _, question in TRUST_QUESTIONS:
        assert question.endswith(" ?"), question


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("  Éléonore   DE la Tour ", "eleonore de la tour"),
        ("Straße", "strasse"),
        ("Noël\t\nBlanc", "noel blanc"),
        ("ﬁdo", "fido"),  # ligature unfolded by NFKD
        ("", ""),
    ],
)
def test_answer_is_normalised(typed: str, expected: str) -> None:
    assert normalise_answer(typed) == expected


def test_ordinary_answer_is_accepted() -> None:
    assert answer_problems("Médor", FORBIDDEN) == []


@pytest.mark.parametrize("typed", ["", "ab", "  É  ", " x\t "])
def test_answer_shorter_than_three_characters_is_refused(typed: str) -> None:
    assert answer_problems(typed, FORBIDDEN) == [TOO_SHORT]


def test_answer_of_three_characters_is_accepted() -> None:
    assert answer_problems("Rex", FORBIDDEN) == []


@pytest.mark.parametrize("typed", ["dupont", "  DUPONT ", "Jéan", "victor   hugo", "PARIS"])
def test_answer_equal_to_a_personal_value_is_refused(typed: str) -> None:
    assert answer_problems(typed, FORBIDDEN) == [PERSONAL]


@pytest.mark.parametrize("typed", ["Jean Dupont", "Dupont Jean"])
def test_answer_made_of_two_personal_values_is_refused(typed: str) -> None:
    assert answer_problems(typed, FORBIDDEN) == [PERSONAL]


# Issue 12: « Le Petit Prince » is a fair answer for Mr Petit; only equality is guessable.
@pytest.mark.parametrize("typed", ["Hugo", "école de Paris", "Dupont et fils"])
def test_answer_merely_containing_or_inside_a_personal_value_is_accepted(typed: str) -> None:
    assert answer_problems(typed, FORBIDDEN) == []


def test_short_personal_value_only_refuses_an_identical_answer() -> None:
    assert answer_problems("Li", ["Li"]) == [TOO_SHORT]
    assert answer_problems("Lili", ["Li"]) == []
    assert answer_problems("Bo Li", ["Bo Li", "Li"]) == [PERSONAL]


def test_empty_personal_values_are_ignored() -> None:
    assert answer_problems("Médor", ["", "   "]) == []
