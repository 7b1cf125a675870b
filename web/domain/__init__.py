"""Pure domain rules (validation and normalisation) shared by the forms and services."""

from __future__ import annotations

from typing import Any


class RuleError(ValueError):
    """A business rule was broken; ``str()`` is the French message for the user."""


class Number:
    """A number in a message, grouped by thousands the way the reader's language does it."""

    def __init__(self, value: float) -> None:
        self.value = value

    def __str__(self) -> str:
        # French: a narrow no-break space between thousands, a comma before decimals.
        if float(self.value).is_integer():
            return f"{int(self.value):,}".replace(",", "\u202f")
        return f"{self.value:,g}".replace(",", "\u202f").replace(".", ",")


class Phrase(str):
    """A French message for the user that keeps its msgid and values for translation.

    It reads as the French text (the source language), so pure code and its tests see
    plain French; the web layer translates it with ``web.i18n.translate``.
    """

    msgid: str
    values: dict[str, Any]

    def __new__(cls, msgid: str, **values: Any) -> Phrase:
        text = msgid % {name: _french(value) for name, value in values.items()} if values else msgid
        phrase = super().__new__(cls, text)
        phrase.msgid = msgid
        phrase.values = values
        return phrase


def _french(value: Any) -> Any:
    return str(value) if isinstance(value, Number | Phrase) else value


def N_(msgid: str, **values: Any) -> Phrase:
    """Mark a French message for extraction (pybabel's default keyword) without Flask."""
    return Phrase(msgid, **values)
