"""Checks and clean-up for free-text form fields."""

from __future__ import annotations

import re
import unicodedata

# Controls, format chars (bidi marks, zero-width), surrogates, private use, unassigned.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
# Line/paragraph separators are not controls but still break single-line fields.
_FORBIDDEN_EXTRA = frozenset({"\u2028", "\u2029"})
_WHITESPACE_RUN = re.compile(r"\s+")


def forbidden_character(value: str) -> str | None:
    """Return the first character not allowed in a free-text field, or None."""
    for char in value:
        if char in _FORBIDDEN_EXTRA or unicodedata.category(char) in _FORBIDDEN_CATEGORIES:
            return char
    return None


def without_forbidden(value: str) -> str:
    """The value with every character `forbidden_character` refuses taken out."""
    return "".join(char for char in value if not forbidden_character(char))


def clean_text(value: str | None) -> str:
    """NFC-normalise, strip and collapse inner whitespace runs to a single space."""
    if value is None:
        return ""
    return _WHITESPACE_RUN.sub(" ", unicodedata.normalize("NFC", value)).strip()
