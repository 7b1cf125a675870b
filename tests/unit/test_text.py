"""Unit tests for web.domain.text."""

from __future__ import annotations

import pytest

from web.domain.text import clean_text, forbidden_character


@pytest.mark.parametrize(
    "value",
    ["Société Générale", "L'Haÿ-les-Roses", "Zoë & Cie — 12 €", "Ñandú S.A.", "東京", ""],
)
def test_ordinary_text_has_no_forbidden_character(value: str) -> None:
    assert forbidden_character(value) is None


@pytest.mark.parametrize(
    ("value", "culprit"),
    [
        ("abc\x00def", "\x00"),
        ("abc\tdef", "\t"),
        ("abc\ndef", "\n"),
        ("abc\x7fdef", "\x7f"),
        ("abc\u200bdef", "\u200b"),  # zero-width space
        ("abc\u200ddef", "\u200d"),  # zero-width joiner
        ("abc\u202edef", "\u202e"),  # right-to-left override
        ("abc\u200fdef", "\u200f"),  # right-to-left mark
        ("abc\ufeffdef", "\ufeff"),  # byte order mark
        ("abc\ud800def", "\ud800"),  # lone surrogate
        ("abc\ue000def", "\ue000"),  # private use
        ("abc\u0378def", "\u0378"),  # unassigned
        ("abc\u2028def", "\u2028"),  # line separator
        ("abc\u2029def", "\u2029"),  # paragraph separator
    ],
)
def test_forbidden_character_is_reported(value: str, culprit: str) -> None:
    assert forbidden_character(value) == culprit


def test_first_forbidden_character_is_reported() -> None:
    assert forbidden_character("a\u200bb\x00c") == "\u200b"


def test_clean_text_of_none_is_empty() -> None:
    assert clean_text(None) == ""


def test_clean_text_strips_and_collapses_whitespace() -> None:
    assert clean_text("  Jean \t  Dupont\u00a0\u00a0 SARL  ") == "Jean Dupont SARL"


def test_clean_text_normalises_to_nfc() -> None:
    decomposed = "Cafe\u0301"
    assert clean_text(decomposed) == "Café"
    assert len(clean_text(decomposed)) == 4


def test_clean_text_keeps_ordinary_text_unchanged() -> None:
    assert clean_text("Île-de-France") == "Île-de-France"
