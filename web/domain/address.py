"""Postal address rules: street types, postal codes and the country list (French, English)."""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import lru_cache

import pycountry

from web.domain import N_, RuleError

# Labels for the form's list; an address shows the French word, as the post writes it.
STREET_TYPES: list[tuple[str, str]] = [
    ("", "—"),
    ("rue", N_("Rue")),
    ("avenue", N_("Avenue")),
    ("boulevard", N_("Boulevard")),
    ("chemin", N_("Chemin")),
    ("place", N_("Place")),
    ("allee", N_("Allée")),
    ("impasse", N_("Impasse")),
    ("quai", N_("Quai")),
    ("route", N_("Route")),
    ("cours", N_("Cours")),
    ("square", N_("Square")),
    ("passage", N_("Passage")),
    ("faubourg", N_("Faubourg")),
    ("lieu-dit", N_("Lieu-dit")),
    ("residence", N_("Résidence")),
    ("hameau", N_("Hameau")),
    ("sentier", N_("Sentier")),
    ("voie", N_("Voie")),
    ("esplanade", N_("Esplanade")),
    ("promenade", N_("Promenade")),
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
            raise RuleError(N_("Le code postal doit comporter 5 chiffres."))
        return cleaned
    # Abroad the inner space is significant (e.g. "SW1A 1AA"), so it is kept, single.
    cleaned = _WHITESPACE_RUN.sub(" ", value or "").strip().upper()
    if cleaned and not _FOREIGN_POSTAL_CODE.fullmatch(cleaned):
        raise RuleError(
            N_(
                "Le code postal ne peut contenir que des lettres non accentuées, des chiffres, "
                "des espaces et des tirets (12 caractères au plus)."
            )
        )
    return cleaned


def _sort_key(name: str) -> tuple[str, str]:
    """Sort names ignoring accents and case (Éthiopie among the E)."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return bare.casefold(), name


@lru_cache(maxsize=4)
def _names(language: str = "fr") -> dict[str, str]:
    """Map every ISO 3166-1 alpha-2 code to its name in ``language`` (English: pycountry's)."""
    translation = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )
    names: dict[str, str] = {}
    for country in pycountry.countries:
        # common_name ("Corée du Sud") reads better than the formal name ("Corée, République de").
        source = getattr(country, "common_name", None) or country.name
        names[country.alpha_2] = translation.gettext(source)
    return names


@lru_cache(maxsize=4)
def _choices(language: str = "fr") -> tuple[tuple[str, str], ...]:
    """Build the (code, name) pairs once per language: France first, then alphabetical."""
    names = _names(language)
    others = sorted(
        ((code, name) for code, name in names.items() if code != _FRANCE),
        key=lambda pair: _sort_key(pair[1]),
    )
    return ((_FRANCE, names[_FRANCE]), *others)


def country_choices(language: str = "fr") -> list[tuple[str, str]]:
    """Return (ISO alpha-2 code, name) pairs, France first then alphabetical (French default)."""
    # A fresh list so a caller cannot alter the cached choices.
    return list(_choices(language))


def country_name(code: str, language: str = "fr") -> str:
    """Return the name of an ISO alpha-2 code (French default), or the code itself if unknown."""
    return _names(language).get((code or "").strip().upper(), code)
