"""Company identifiers: French SIREN or a foreign equivalent."""

from __future__ import annotations

import re

from stdnum.fr import siren

from web.domain import N_, RuleError

# \s covers NBSP (U+00A0), thin and narrow no-break spaces (U+2009, U+202F) users paste.
_FRENCH_SEPARATORS = re.compile(r"[\s.]+")
_FOREIGN_SEPARATORS = re.compile(r"[\s.\-\u2010\u2011\u2012\u2013]+")
_NINE_DIGITS = re.compile(r"[0-9]{9}")
_FOREIGN_ID = re.compile(r"[A-Z0-9]{2,30}")


def normalise_company_id(value: str, foreign: bool) -> str:
    """Return the cleaned SIREN (9 digits) or foreign identifier (upper case), else raise."""
    separators = _FOREIGN_SEPARATORS if foreign else _FRENCH_SEPARATORS
    cleaned = separators.sub("", value or "")
    if not cleaned:
        raise RuleError(N_("Saisissez le S.I.R.E.N. ou l'identifiant équivalent."))
    if foreign:
        cleaned = cleaned.upper()
        # ASCII only: these identifiers are keyed into foreign registries as-is.
        if not _FOREIGN_ID.fullmatch(cleaned):
            raise RuleError(
                N_(
                    "L'identifiant doit comporter de 2 à 30 caractères, "
                    "uniquement des lettres non accentuées et des chiffres."
                )
            )
        return cleaned
    if not _NINE_DIGITS.fullmatch(cleaned):
        raise RuleError(N_("Le SIREN doit comporter 9 chiffres."))
    if not siren.is_valid(cleaned):
        raise RuleError(
            N_("Le SIREN saisi n'est pas valide : vérifiez la clé de contrôle (dernier chiffre).")
        )
    return cleaned
