"""Unit tests for web.domain.passwords."""

from __future__ import annotations

import pytest
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from web.domain.passwords import COMMON_PASSWORDS_COUNT, PasswordPolicy, password_problems

EMAIL = "jean.dupont@example.com"
DEFAULT = PasswordPolicy()
TOO_COMMON = "Ce mot de passe est trop courant et facile à deviner : choisissez-en un autre."
CONTAINS_EMAIL = "Le mot de passe ne doit pas contenir votre adresse électronique."
ALPHABET = "Le mot de passe ne peut contenir que des lettres non accentuées et des chiffres."


def test_default_policy_is_8_to_20_letters_and_digits() -> None:
    assert PasswordPolicy(min_length=8, max_length=20, letters_and_digits_only=True) == DEFAULT


def test_strict_policy_is_12_to_128_any_character() -> None:
    assert PasswordPolicy.strict() == PasswordPolicy(12, 128, False)


def test_common_passwords_count_is_ten_thousand() -> None:
    assert COMMON_PASSWORDS_COUNT == 10_000


def test_good_password_is_accepted() -> None:
    assert password_problems("Kq7vTz2mWb", EMAIL, DEFAULT) == []


def test_password_of_7_characters_is_refused() -> None:
    assert password_problems("Kq7vTz2", EMAIL, DEFAULT) == [
        "Le mot de passe doit contenir au moins 8 caractères."
    ]


def test_password_of_8_characters_is_accepted() -> None:
    assert password_problems("Kq7vTz2m", EMAIL, DEFAULT) == []


def test_password_of_20_characters_is_accepted() -> None:
    assert password_problems("Kq7vTz2mWbR4xN8pL3sY", EMAIL, DEFAULT) == []


def test_password_of_21_characters_is_refused() -> None:
    assert password_problems("Kq7vTz2mWbR4xN8pL3sYh", EMAIL, DEFAULT) == [
        "Le mot de passe doit contenir au plus 20 caractères."
    ]


@pytest.mark.parametrize("password", ["Kq7vTz2m!", "Kq7v Tz2m", "Kq7vTé2mW", "Kq7vTz2m_"])
def test_password_with_symbol_space_or_accent_is_refused(password: str) -> None:
    assert password_problems(password, EMAIL, DEFAULT) == [ALPHABET]


def test_strict_policy_accepts_symbols() -> None:
    assert password_problems("Kq7v!Tz2m#Wb é", EMAIL, PasswordPolicy.strict()) == []


def test_strict_policy_refuses_11_characters() -> None:
    assert password_problems("Kq7v!Tz2m#W", EMAIL, PasswordPolicy.strict()) == [
        "Le mot de passe doit contenir au moins 12 caractères."
    ]


@pytest.mark.parametrize("password", ["password1", "jordan23", "Trustno1", "SUPERMAN1"])
def test_common_password_is_refused(password: str) -> None:
    assert password.casefold() in FREQUENCY_LISTS["passwords"][:COMMON_PASSWORDS_COUNT]
    assert password_problems(password, EMAIL, DEFAULT) == [TOO_COMMON]


def test_password_beyond_the_top_ten_thousand_is_not_refused_as_common() -> None:
    rare = next(
        word
        for word in FREQUENCY_LISTS["passwords"][COMMON_PASSWORDS_COUNT:]
        if word.isascii() and word.isalnum() and 8 <= len(word) <= 20 and "dupont" not in word
    )
    # Not refused for being in the top ten thousand (zxcvbn may still judge it weak).
    assert TOO_COMMON not in password_problems(rare, EMAIL, DEFAULT)


def test_password_containing_the_local_part_piece_is_refused() -> None:
    assert password_problems("Dupont2024x", EMAIL, DEFAULT) == [CONTAINS_EMAIL]


def test_password_containing_the_whole_local_part_is_refused() -> None:
    assert password_problems(
        "xjean.dupont!", EMAIL, PasswordPolicy(8, 20, letters_and_digits_only=False)
    ) == [CONTAINS_EMAIL]


def test_password_containing_an_undotted_local_part_is_refused() -> None:
    assert password_problems("9MARIELOU9", "marielou@example.com", DEFAULT) == [CONTAINS_EMAIL]


def test_short_pieces_of_the_local_part_are_allowed() -> None:
    # "jo" and "li" are too short to be meaningful; "jo.li" has its own 5 characters.
    assert password_problems("Kq7joTz2li", "jo.li@example.com", DEFAULT) == []


def test_domain_of_the_email_is_not_forbidden() -> None:
    assert password_problems("Kq7exampleZ", EMAIL, DEFAULT) == []


def test_empty_email_forbids_nothing() -> None:
    assert password_problems("Kq7vTz2mWb", "", DEFAULT) == []


def test_several_problems_are_all_reported() -> None:
    problems = password_problems("dupont!", EMAIL, DEFAULT)
    assert problems == [
        "Le mot de passe doit contenir au moins 8 caractères.",
        ALPHABET,
        CONTAINS_EMAIL,
    ]
