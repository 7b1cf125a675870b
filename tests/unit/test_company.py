"""Unit tests for web.domain.company."""

from __future__ import annotations

import pytest

from web.domain import RuleError
from web.domain.company import normalise_company_id

EMPTY = "Saisissez le S.I.R.E.N. ou l'identifiant équivalent."
NINE_DIGITS = "Le SIREN doit comporter 9 chiffres."


@pytest.mark.parametrize("siren", ["732829320", "552100554", "443061841"])
def test_valid_siren_is_accepted(siren: str) -> None:
    assert normalise_company_id(siren, foreign=False) == siren


@pytest.mark.parametrize(
    "typed",
    ["732 829 320", " 732829320 ", "732.829.320", "732\u00a0829\u00a0320", "732\u202f829\u2009320"],
)
def test_siren_with_spaces_or_dots_is_cleaned(typed: str) -> None:
    assert normalise_company_id(typed, foreign=False) == "732829320"


@pytest.mark.parametrize("siren", ["732829321", "552100555", "443061840"])
def test_siren_with_bad_key_is_refused(siren: str) -> None:
    with pytest.raises(RuleError, match="clé de contrôle"):
        normalise_company_id(siren, foreign=False)


@pytest.mark.parametrize(
    "siren", ["73282932", "7328293200", "73282932A", "732-829-320", "٧٣٢٨٢٩٣٢٠"]
)
def test_siren_that_is_not_nine_ascii_digits_is_refused(siren: str) -> None:
    with pytest.raises(RuleError) as caught:
        normalise_company_id(siren, foreign=False)
    assert str(caught.value) == NINE_DIGITS


@pytest.mark.parametrize("foreign", [False, True])
@pytest.mark.parametrize("typed", ["", "   ", " . "])
def test_empty_identifier_is_refused(typed: str, foreign: bool) -> None:
    with pytest.raises(RuleError) as caught:
        normalise_company_id(typed, foreign=foreign)
    assert str(caught.value) == EMPTY


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("DE123456789", "DE123456789"),
        ("gb 123 4567 89", "GB123456789"),
        ("HRB-12345.b", "HRB12345B"),
        ("CH-123.456.789", "CH123456789"),
        ("12", "12"),
        ("A" * 30, "A" * 30),
    ],
)
def test_foreign_identifier_is_cleaned_and_upper_cased(typed: str, expected: str) -> None:
    assert normalise_company_id(typed, foreign=True) == expected


@pytest.mark.parametrize("typed", ["1", "A" * 31, "ÉT123456", "AB/1234", "AB_1234"])
def test_foreign_identifier_of_wrong_length_or_characters_is_refused(typed: str) -> None:
    with pytest.raises(RuleError, match="de 2 à 30 caractères"):
        normalise_company_id(typed, foreign=True)


def test_foreign_identifier_skips_the_siren_key_check() -> None:
    assert normalise_company_id("732829321", foreign=True) == "732829321"


def test_rule_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="9 chiffres"):
        normalise_company_id("123", foreign=False)
