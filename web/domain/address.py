"""Postal address rules: street types, postal codes and the French country list."""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import lru_cache

import pycountry

from web.domain import RuleError

STREET_TYPES: list[tuple[str, str]] = [
    ("", "—"),
    ("rue", "Rue"),
    ("avenue", "Avenue"),
    ("boulevard", "Boulevard"),
    ("chemin", "Chemin"),
    ("place", "Place"),
    ("allee", "Allée"),
    ("impasse", "Impasse"),
    ("quai", "Quai"),
    ("route", "Route"),
    ("cours", "Cours"),
    ("square", "Square"),
    ("passage", "Passage"),
    ("faubourg", "Faubourg"),
    ("lieu-dit", "Lieu-dit"),
    ("residence", "Résidence"),
    ("hameau", "Hameau"),
    ("sentier", "Sentier"),
    ("voie", "Voie"),
    ("esplanade", "Esplanade"),
    ("promenade", "Promenade"),
]

_FRANCE = "FR"
_FRENCH_POSTAL_CODE = re.compile(r"[0-9]{5}")
_FOREIGN_POSTAL_CODE = re.compile(r"[A-Z0-9 \-]{1,12}")
_WHITESPACE_RUN = re.compile(r"\s+")


def check_postal_code(value: str, country: str) -> str:
    """Return the cleaned postal code for ``country`` (ISO alpha-2), else raise RuleError."""
    if (country or "").strip().upper() == _FRANCE:
        cleaned = _WHITESPACE_RUN.sub("", value or "")
        if not _FRENCH_POSTAL_CODE.fullmatch(cleaned):
            raise RuleError("Le code postal doit comporter 5 chiffres.")
        return cleaned
    # Abroad the inner space is significant (e.g. "SW1A 1AA"), so it is kept, single.
    cleaned = _WHITESPACE_RUN.sub(" ", value or "").strip().upper()
    if cleaned and not _FOREIGN_POSTAL_CODE.fullmatch(cleaned):
        raise RuleError(
            "Le code postal ne peut contenir que des lettres non accentuées, des chiffres, "
            "des espaces et des tirets (12 caractères au plus)."
        )
    return cleaned


def _sort_key(name: str) -> tuple[str, str]:
    """Sort French names ignoring accents and case (Éthiopie among the E)."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return bare.casefold(), name


@lru_cache(maxsize=1)
def _french_names() -> dict[str, str]:
    """Map every ISO 3166-1 alpha-2 code to its French name."""
    translation = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=["fr"], fallback=True
    )
    names: dict[str, str] = {}
    for country in pycountry.countries:
        # common_name ("Corée du Sud") reads better than the formal name ("Corée, République de").
        source = getattr(country, "common_name", None) or country.name
        names[country.alpha_2] = translation.gettext(source)
    return names


@lru_cache(maxsize=1)
def _choices() -> tuple[tuple[str, str], ...]:
    """Build the (code, French name) pairs once: France first, then alphabetical."""
    names = _french_names()
    others = sorted(
        ((code, name) for code, name in names.items() if code != _FRANCE),
        key=lambda pair: _sort_key(pair[1]),
    )
    return ((_FRANCE, names[_FRANCE]), *others)


def country_choices() -> list[tuple[str, str]]:
    """Return (ISO alpha-2 code, French name) pairs, France first then alphabetical."""
    # A fresh list so a caller cannot alter the cached choices.
    return list(_choices())


def country_name(code: str) -> str:
    """Return the French name of an ISO alpha-2 code, or the code itself if unknown."""
    return _french_names().get((code or "").strip().upper(), code)
