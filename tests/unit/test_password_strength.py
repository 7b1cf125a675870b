"""Issue 12 point 12: French common passwords, « word + digits », and zxcvbn's verdict with
the person's own data as context, each refusal explained in French."""

from __future__ import annotations

from importlib.resources import files

import pytest

from web.domain import passwords
from web.domain.passwords import (
    COMMON_WITH_DIGITS,
    MIN_GUESSES,
    TOO_COMMON,
    WEAK,
    WEAK_DATE,
    WEAK_KEYBOARD,
    WEAK_PERSONAL,
    WEAK_REPEAT,
    WEAK_SEQUENCE,
    WEAK_WORD,
    PasswordPolicy,
    french_common_passwords,
    password_problems,
)

EMAIL = "helene.lefevre@example.com"
# An address that says nothing of her: the refusals below come from her other data.
OTHER_EMAIL = "contact@example.com"
DEFAULT = PasswordPolicy()
STRICT = PasswordPolicy.strict()
# Her names, street, city, postal code and SIREN, as the space passes them.
HELENE = ("Lefèvre", "Hélène", "des Lilas", "Saint-Étienne", "42000", "732829320")


def test_the_french_list_ships_in_the_package_with_hundreds_of_entries() -> None:
    data = files("web.domain").joinpath("data/common_passwords_fr.txt")
    assert data.is_file()
    entries = french_common_passwords()
    assert len(entries) >= 300
    assert len(set(entries)) == len(entries)
    assert all(entry == entry.strip().lower() and entry.isascii() for entry in entries)
    for known in ("azerty", "motdepasse", "soleil", "doudou", "marseille", "loulou", "123456"):
        assert known in entries


@pytest.mark.parametrize("password", ["abcdefgh", "Motdepasse1", "Soleil2024"])
def test_the_three_passwords_of_the_issue_are_refused(password: str) -> None:
    assert password_problems(password, EMAIL, DEFAULT) != []


@pytest.mark.parametrize(
    "password", ["azerty", "AZERTYUIOP", "Motdepasse", "chouchou", "Marseille"]
)
def test_a_french_common_password_is_refused_whatever_its_case(password: str) -> None:
    assert TOO_COMMON in password_problems(password, EMAIL, DEFAULT)


@pytest.mark.parametrize(
    "password",
    ["Motdepasse1", "Soleil2024", "Doudou1987", "LOULOU2000", "Chouchou13", "Password2024"],
)
def test_a_common_password_followed_by_digits_or_a_year_is_refused(password: str) -> None:
    assert password_problems(password, EMAIL, DEFAULT) == [COMMON_WITH_DIGITS]


def test_a_short_common_base_does_not_refuse_random_digits() -> None:
    # « ab » is no password of anyone's list: only the digits would be left to guess.
    assert COMMON_WITH_DIGITS not in password_problems("Ab58207391", EMAIL, DEFAULT)


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("abcdefgh", WEAK_SEQUENCE),
        ("aaaaaaaaaa", WEAK_REPEAT),
        ("19851985", WEAK_REPEAT),
        ("poiuytre7", WEAK_KEYBOARD),
        ("2024soleil", WEAK_WORD),
        ("Tigre1999x", WEAK_WORD),  # « tigre » is on the French list, now in zxcvbn's too
    ],
)
def test_a_weak_password_is_refused_with_the_reason_in_french(password: str, why: str) -> None:
    assert password_problems(password, EMAIL, DEFAULT) == [why]


def test_a_date_is_explained_as_such() -> None:
    assert password_problems("25121999x", "", DEFAULT) == [WEAK_DATE]


@pytest.mark.parametrize(
    "password",
    ["Lefevre2024x", "SaintEtienne7", "Lilas12345678", "42000Etienne", "LILAS1985"],
)
def test_a_password_built_on_the_persons_own_data_is_refused(password: str) -> None:
    assert password_problems(password, OTHER_EMAIL, DEFAULT, personal=HELENE) == [WEAK_PERSONAL]


@pytest.mark.parametrize("password", ["Lefevre2024x", "SaintEtienne7"])
def test_the_same_password_is_fine_for_someone_else(password: str) -> None:
    assert password_problems(password, OTHER_EMAIL, DEFAULT) == []


def test_only_the_persons_data_and_digits_is_refused_even_when_zxcvbn_would_pass_it() -> None:
    # Three pieces of her data: zxcvbn rates it above 10^8, yet she is the easiest target.
    assert password_problems("Lilas42000Lefevre", OTHER_EMAIL, DEFAULT, personal=HELENE) == [
        WEAK_PERSONAL
    ]


def test_the_email_local_part_is_context_too() -> None:
    # « marielou » is refused outright; zxcvbn also knows the shorter pieces as hers.
    assert password_problems("9MARIELOU9", "marielou@example.com", DEFAULT) != []


@pytest.mark.parametrize(
    "password",
    [
        "Kq7mZp2x",  # a patternless 8-character password: the seed's minimum stays valid
        "Kq7vTz2mWb",
        "Heron58Quartz",
        "Kestrel42Vine",
        "Otter77River",
        "Pluvier73Ocre",
        "LePetitPrince1",
        "DupontKq7vTz2",
    ],
)
def test_strong_passwords_are_accepted(password: str) -> None:
    assert password_problems(password, EMAIL, DEFAULT, personal=HELENE) == []


def test_the_threshold_is_zxcvbns_score_three() -> None:
    assert MIN_GUESSES == 10**8


def test_one_clear_reason_rather_than_overlapping_ones() -> None:
    # Too short: the length says it; zxcvbn's opinion would only add noise.
    assert password_problems("abc", EMAIL, DEFAULT) == [
        "Le mot de passe doit contenir au moins 8 caractères."
    ]


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("azertyuiop123", COMMON_WITH_DIGITS),
        ("Password12345", COMMON_WITH_DIGITS),
        ("aaaaaaaaaaaaaaaaaaaaaaaa", WEAK_REPEAT),
        ("Motdepasse2024!", WEAK_WORD),
    ],
)
def test_the_strict_policy_refuses_weak_passwords_too(password: str, why: str) -> None:
    assert password_problems(password, EMAIL, STRICT) == [why]


def test_the_strict_policy_accepts_a_long_varied_password() -> None:
    assert password_problems("Kq7v!Tz2m#Wb é", EMAIL, STRICT) == []


def test_a_password_longer_than_zxcvbn_likes_is_judged_on_its_start() -> None:
    strong = "Kq7v!Tz2m#Wb é" * 9  # 126 characters, within the strict maximum of 128
    assert password_problems(strong, EMAIL, STRICT) == []
    assert password_problems("a" * 100 + "Kq7v!Tz2m#Wb é", EMAIL, STRICT) == [WEAK_REPEAT]


def test_every_weakness_message_says_why_and_how() -> None:
    for message in (WEAK_PERSONAL, WEAK_WORD, WEAK_SEQUENCE, WEAK_REPEAT, WEAK_KEYBOARD, WEAK_DATE):
        why, _, how = message.partition(" : ")[2].partition(". ")
        assert why and how, message
    assert WEAK.startswith("Ce mot de passe est trop facile à deviner.")


def test_the_domain_module_imports_no_flask() -> None:
    assert "flask" not in passwords.__dict__
