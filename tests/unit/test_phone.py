"""Unit tests for web.domain.phone."""

from __future__ import annotations

import pytest

from web.domain import RuleError
from web.domain.phone import normalise_phone

INVALID = "Le numéro de téléphone n'est pas valide."


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("01 42 68 53 00", "+33142685300"),
        ("06 12 34 56 78", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
    ],
)
def test_french_number_is_returned_in_e164(typed: str, expected: str) -> None:
    assert normalise_phone(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("+44 20 7946 0958", "+442079460958"),
        ("+49 30 901820", "+4930901820"),
        ("+32 2 501 02 11", "+3225010211"),
        ("+1 202 456 1111", "+12024561111"),
    ],
)
def test_international_number_is_returned_in_e164(typed: str, expected: str) -> None:
    assert normalise_phone(typed, "FR") == expected


def test_national_number_is_read_in_the_given_region() -> None:
    assert normalise_phone("020 7946 0958", "GB") == "+442079460958"


@pytest.mark.parametrize("region", [None, "", "ZZ", "france"])
def test_missing_or_unknown_region_falls_back_to_france(region: str | None) -> None:
    assert normalise_phone("06 12 34 56 78", region) == "+33612345678"


@pytest.mark.parametrize(
    "typed",
    ["", "12", "06 12 34", "06 12 34 56 78 90", "+33 0 00 00 00 00", "bonjour", "+999 1234"],
)
def test_invalid_number_is_refused(typed: str) -> None:
    with pytest.raises(RuleError) as caught:
        normalise_phone(typed)
    assert str(caught.value) == INVALID
