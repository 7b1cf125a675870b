"""Trust (security) questions and the rules their answers must follow."""

from __future__ import annotations

import re
import unicodedata
from itertools import permutations

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


def normalise_answer(value: str) -> str:
    """Fold an answer so accents, case and spacing do not matter when comparing."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


def login_names(email: str) -> list[str]:
    """The login's local part, whole and piece by piece: "ann.jones" also gives two names."""
    local = email.rpartition("@")[0] if "@" in email else email
    return [local, *re.split(r"[._+-]+", local)] if local else []


def _compact(value: str) -> str:
    """The normalised value without spaces or punctuation: « Jean-Dupont » is « jeandupont »."""
    return "".join(char for char in normalise_answer(value) if char.isalnum())


def answer_problems(answer: str, forbidden: list[str]) -> list[Phrase]:
    """Return the French reasons an answer is refused; empty when it is acceptable."""
    normalised = normalise_answer(answer)
    if len(normalised) < _MIN_LENGTH:
        return [N_("La réponse doit contenir au moins %(count)d caractères.", count=_MIN_LENGTH)]
    personal = [compact for value in forbidden if (compact := _compact(value))]
    # Equal to one personal value, or to two joined in either order ("Jean Dupont",
    # "Dupont Jean"): guessable by anyone who knows the person. Containing a name as one
    # word among others ("Le Petit Prince" for Mr Petit) is an honest answer.
    pairs = permutations(personal, 2)  # two different values: "Lili" is not "Li" twice
    guessable = set(personal) | {first + second for first, second in pairs}
    if _compact(answer) in guessable:
        return [N_("La réponse ne doit pas être votre nom, votre prénom ni votre adresse.")]
    return []
