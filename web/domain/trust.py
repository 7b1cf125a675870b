"""Trust (security) questions and the rules their answers must follow."""

from __future__ import annotations

import unicodedata

from web.domain import N_, Phrase

TRUST_QUESTIONS: list[tuple[str, str]] = [
    ("first_pet", N_("Quel était le nom de votre premier animal de compagnie ?")),
    ("mother_maiden_name", N_("Quel est le nom de jeune fille de votre mère ?")),
    ("father_birth_city", N_("Dans quelle ville votre père est-il né ?")),
    ("first_school", N_("Quel était le nom de votre première école ?")),
    ("childhood_friend", N_("Quel était le prénom de votre meilleur ami d'enfance ?")),
    ("favourite_book", N_("Quel est le titre de votre livre préféré ?")),
]

_MIN_LENGTH = 3
# Shorter personal values ("Li", "Bo") would match inside too many honest answers.
_MIN_FORBIDDEN_OVERLAP = 3


def normalise_answer(value: str) -> str:
    """Fold an answer so accents, case and spacing do not matter when comparing."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


def answer_problems(answer: str, forbidden: list[str]) -> list[Phrase]:
    """Return the French reasons an answer is refused; empty when it is acceptable."""
    normalised = normalise_answer(answer)
    if len(normalised) < _MIN_LENGTH:
        return [N_("La réponse doit contenir au moins %(count)d caractères.", count=_MIN_LENGTH)]
    for value in forbidden:
        personal = normalise_answer(value)
        if not personal:
            continue
        overlaps = len(personal) >= _MIN_FORBIDDEN_OVERLAP and (
            normalised in personal or personal in normalised
        )
        if normalised == personal or overlaps:
            return [N_("La réponse ne doit pas être votre nom, votre prénom ni votre adresse.")]
    return []
