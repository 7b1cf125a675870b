"""Unit tests for web.domain.address."""

from __future__ import annotations

import re

import pytest

from web.domain import RuleError
from web.domain.address import STREET_TYPES, check_postal_code, country_choices, country_name


def test_street_types_start_with_the_empty_choice() -> None:
    assert STREET_TYPES[0] == ("", "—")


def test_street_types_have_slug_values_and_capitalised_french_labels() -> None:
    for value, label in STREET_TYPES[1:]:
        assert re.fullmatch(r"[a-z\-]+", value), value
        assert label[0].isupper(), label


def test_street_types_include_the_usual_french_kinds() -> None:
    pairs = dict(STREET_TYPES)
    assert pairs["rue"] == "Rue"
    assert pairs["allee"] == "Allée"
    assert pairs["lieu-dit"] == "Lieu-dit"
    assert pairs["residence"] == "Résidence"
    assert len(STREET_TYPES) == 21
    assert len(pairs) == len(STREET_TYPES)


@pytest.mark.parametrize(
    ("typed", "expected"), [("75001", "75001"), ("75 001", "75001"), (" 97200 ", "97200")]
)
def test_french_postal_code_of_five_digits_is_accepted(typed: str, expected: str) -> None:
    assert check_postal_code(typed, "FR") == expected


@pytest.mark.parametrize("typed", ["", "7500", "750011", "75OO1", "75-001", "２５０００"])
def test_french_postal_code_not_of_five_digits_is_refused(typed: str) -> None:
    with pytest.raises(RuleError) as caught:
        check_postal_code(typed, "FR")
    assert str(caught.value) == "Le code postal doit comporter 5 chiffres."


def test_country_code_is_matched_case_insensitively() -> None:
    with pytest.raises(RuleError):
        check_postal_code("7500", "fr")


@pytest.mark.parametrize(
    ("typed", "country", "expected"),
    [
        ("SW1A  1AA", "GB", "SW1A 1AA"),
        ("10115", "DE", "10115"),
        ("1234 ab", "NL", "1234 AB"),
        ("k1a 0b1", "CA", "K1A 0B1"),
        ("1000-001", "PT", "1000-001"),
        ("", "IE", ""),
        ("   ", "HK", ""),
        ("123456789012", "US", "123456789012"),
    ],
)
def test_foreign_postal_code_is_optional_and_cleaned(
    typed: str, country: str, expected: str
) -> None:
    assert check_postal_code(typed, country) == expected


@pytest.mark.parametrize("typed", ["1234567890123", "SW1A/1AA", "75001#", "Ü1234"])
def test_foreign_postal_code_with_bad_characters_or_too_long_is_refused(typed: str) -> None:
    with pytest.raises(RuleError, match="12 caractères au plus"):
        check_postal_code(typed, "GB")


def test_country_list_is_the_full_iso_list() -> None:
    choices = country_choices()
    assert len(choices) == 249
    assert len({code for code, _ in choices}) == 249


def test_france_comes_first() -> None:
    assert country_choices()[0] == ("FR", "France")


def test_country_names_are_in_french() -> None:
    names = dict(country_choices())
    assert names["DE"] == "Allemagne"
    assert names["GB"] == "Royaume-Uni"
    assert names["US"] == "États-Unis"
    assert names["ET"] == "Éthiopie"
    assert names["KR"] == "Corée du Sud"


def test_other_countries_are_sorted_ignoring_accents_and_case() -> None:
    codes = [code for code, _ in country_choices()[1:]]
    assert codes.index("EG") < codes.index("ET") < codes.index("FJ")
    assert codes[0] == "AF"  # Afghanistan
    names = [name for _, name in country_choices()[1:]]
    assert names.index("Émirats arabes unis") < names.index("Équateur") < names.index("Érythrée")


def test_country_choices_cannot_be_altered_by_a_caller() -> None:
    country_choices().clear()
    assert len(country_choices()) == 249


@pytest.mark.parametrize(
    ("code", "expected"), [("DE", "Allemagne"), ("fr", "France"), ("CI", "Côte d'Ivoire")]
)
def test_country_name_is_in_french(code: str, expected: str) -> None:
    assert country_name(code) == expected


def test_unknown_country_code_is_returned_unchanged() -> None:
    assert country_name("XX") == "XX"
