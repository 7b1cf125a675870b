"""Password policy and the French messages explaining why a password is refused."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

from web.domain import N_, Phrase

COMMON_PASSWORDS_COUNT = 10_000
# zxcvbn's estimate of the guesses an attacker needs; below 10^8 is its scores 0 to 2.
# Score 3 (10^8 to 10^10) is what zxcvbn calls "moderate protection from an offline
# slow-hash attack": our hashes are argon2id, so a leaked table is that scenario. zxcvbn
# rates a password with no known pattern at 10^length: a patternless 8-character password
# (the seed's minimum) lands exactly on 10^8, so the seed's length rule still decides for it.
MIN_GUESSES = 10**8

# Pieces of the e-mail local part shorter than this would forbid too many passwords.
_MIN_EMAIL_PIECE = 3
# Personal pieces shorter than this ("Li", "12") match by chance inside honest passwords.
_MIN_PERSONAL_PIECE = 3
# zxcvbn's own default cap: its pattern search grows fast with the length (strict allows 128).
_ZXCVBN_MAX_LENGTH = 72
# A common word needs some length of its own before "word + digits" counts as that word.
_MIN_COMMON_BASE = 4
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]*")
_ALNUM_PIECE = re.compile(r"[^\W_]+")
_TRAILING_DIGITS = re.compile(r"\d+$")
_FRENCH_LIST = "data/common_passwords_fr.txt"
# zxcvbn keeps its dictionaries, the user's inputs included, in one module-level dict.
_ZXCVBN_LOCK = threading.Lock()

TOO_COMMON = N_("Ce mot de passe est trop courant et facile à deviner : choisissez-en un autre.")
COMMON_WITH_DIGITS = N_(
    "Ce mot de passe est un mot de passe courant suivi de chiffres : ajouter un nombre ou "
    "une année ne le rend pas plus sûr. Choisissez-en un autre."
)
WEAK_PERSONAL = N_(
    "Ce mot de passe est trop facile à deviner : il reprend votre nom, votre prénom, votre "
    "adresse, votre entreprise ou votre adresse électronique. Choisissez des mots et des "
    "chiffres sans rapport avec vous."
)
WEAK_WORD = N_(
    "Ce mot de passe est trop facile à deviner : il est fait de mots courants, de prénoms ou "
    "de mots de passe connus, à peine modifiés (majuscule, chiffres ajoutés, lettres "
    "remplacées par des chiffres). Ajoutez un mot peu courant ou des caractères pris au hasard."
)
WEAK_SEQUENCE = N_(
    "Ce mot de passe est trop facile à deviner : il contient une suite de lettres ou de "
    "chiffres (« abcd », « 1234 »). Mêlez des lettres et des chiffres pris au hasard."
)
WEAK_REPEAT = N_(
    "Ce mot de passe est trop facile à deviner : il répète un caractère ou un motif "
    "(« aaaa », « abcabc »). Ajoutez des lettres et des chiffres différents, pris au hasard."
)
WEAK_KEYBOARD = N_(
    "Ce mot de passe est trop facile à deviner : il suit les touches voisines du clavier "
    "(« qwerty », « 147258 »). Mêlez des lettres et des chiffres pris au hasard."
)
WEAK_DATE = N_(
    "Ce mot de passe est trop facile à deviner : il repose sur une date ou une année. "
    "Remplacez-la par des chiffres pris au hasard ou ajoutez un mot peu courant."
)
WEAK = N_(
    "Ce mot de passe est trop facile à deviner. Allongez-le avec un mot peu courant ou des "
    "lettres et des chiffres pris au hasard."
)
# What each zxcvbn pattern means for the user; "bruteforce" is no pattern at all.
_WEAKNESS_BY_PATTERN: dict[str, Phrase] = {
    "dictionary": WEAK_WORD,
    "sequence": WEAK_SEQUENCE,
    "repeat": WEAK_REPEAT,
    "spatial": WEAK_KEYBOARD,
    "date": WEAK_DATE,
    "regex": WEAK_DATE,  # zxcvbn's only regex is "recent_year"
}


@dataclass(frozen=True)
class PasswordPolicy:
    """Length and alphabet constraints applied to a new password."""

    min_length: int = 8
    max_length: int = 20
    letters_and_digits_only: bool = True

    @classmethod
    def strict(cls) -> PasswordPolicy:
        """Return the stronger policy: 12 to 128 characters, any character."""
        return cls(min_length=12, max_length=128, letters_and_digits_only=False)


def _fold(value: str) -> str:
    """Lower-case a value and drop its accents, so « Hélène » and « helene » compare equal."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


@lru_cache(maxsize=1)
def french_common_passwords() -> tuple[str, ...]:
    """The French list shipped with the package, folded, in the file's order (zxcvbn's ranks)."""
    text = files("web.domain").joinpath(_FRENCH_LIST).read_text(encoding="utf-8")
    lines = (line.strip() for line in text.splitlines())
    return tuple(_fold(line) for line in lines if line and not line.startswith("#"))


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    """Load the most common passwords once, on first use: zxcvbn's English and ours."""
    # Imported lazily: the frequency lists are large and only needed here.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    english = FREQUENCY_LISTS["passwords"][:COMMON_PASSWORDS_COUNT]
    return frozenset(english) | frozenset(french_common_passwords())


@lru_cache(maxsize=1)
def _zxcvbn() -> Any:
    """zxcvbn, with the French list added to its dictionaries (once, process-wide)."""
    from zxcvbn import matching, zxcvbn

    matching.add_frequency_lists({"passwords_fr": list(french_common_passwords())})
    return zxcvbn


def _local_part(email: str) -> str:
    """The part of the e-mail before the "@" (the whole value when there is none)."""
    return email.rpartition("@")[0] if "@" in email else email


def _email_fragments(email: str) -> set[str]:
    """Return the lower-cased parts of the e-mail a password must not contain."""
    local = _local_part(email).strip().casefold()
    fragments = {local, *_ALNUM_PIECE.findall(local)}
    return {part for part in fragments if len(part) >= _MIN_EMAIL_PIECE}


def _personal_pieces(values: Iterable[str]) -> list[str]:
    """Folded words of the person's data, whole and piece by piece, for zxcvbn."""
    pieces: list[str] = []
    for value in values:
        words = _ALNUM_PIECE.findall(_fold(value or ""))
        pieces.extend(["".join(words), *words])
    return sorted({piece for piece in pieces if len(piece) >= _MIN_PERSONAL_PIECE})


def _common_problem(password: str) -> Phrase | None:
    """Refuse a common password, also when only digits or a year were appended to it."""
    folded = _fold(password)
    common = _common_passwords()
    if folded in common:
        return TOO_COMMON
    base = _TRAILING_DIGITS.sub("", folded)
    if base != folded and len(base) >= _MIN_COMMON_BASE and base in common:
        return COMMON_WITH_DIGITS
    return None


def _only_personal_data(password: str, pieces: list[str]) -> bool:
    """True when the password is the person's data glued together, digits at most added."""
    rest = _fold(password)
    for piece in sorted(pieces, key=len, reverse=True):
        rest = rest.replace(piece, " ")
    # zxcvbn charges each extra piece 10^4 guesses, so "Lyon69003Paris" would pass it,
    # yet it is the first thing someone who knows the person would try.
    return rest != _fold(password) and (rest.replace(" ", "").isdigit() or not rest.strip())


def _strength_problem(password: str, context: list[str]) -> Phrase | None:
    """zxcvbn's verdict with the person's data as context, explained in French."""
    if _only_personal_data(password, context):
        return WEAK_PERSONAL
    with _ZXCVBN_LOCK:
        zxcvbn = _zxcvbn()
        # A prefix bounds the work; it can only make the estimate lower, never too kind.
        result = zxcvbn(password[:_ZXCVBN_MAX_LENGTH], user_inputs=context)
    if result["guesses"] >= MIN_GUESSES:
        return None
    patterns = [match for match in result["sequence"] if match["pattern"] != "bruteforce"]
    if any(match.get("dictionary_name") == "user_inputs" for match in patterns):
        return WEAK_PERSONAL
    if not patterns:
        return WEAK
    # As zxcvbn's own feedback does: the longest recognised piece explains the most.
    longest = max(patterns, key=lambda match: len(match["token"]))
    return _WEAKNESS_BY_PATTERN.get(longest["pattern"], WEAK)


def password_problems(
    password: str, email: str, policy: PasswordPolicy, personal: Iterable[str] = ()
) -> list[Phrase]:
    """Return the French reasons the password is refused; empty when it is acceptable."""
    problems: list[Phrase] = []
    if len(password) < policy.min_length:
        problems.append(
            N_(
                "Le mot de passe doit contenir au moins %(count)d caractères.",
                count=policy.min_length,
            )
        )
    if len(password) > policy.max_length:
        problems.append(
            N_(
                "Le mot de passe doit contenir au plus %(count)d caractères.",
                count=policy.max_length,
            )
        )
    if policy.letters_and_digits_only and not _ASCII_ALNUM.fullmatch(password):
        problems.append(
            N_("Le mot de passe ne peut contenir que des lettres non accentuées et des chiffres.")
        )
    common = _common_problem(password)
    if common is not None:
        problems.append(common)
    folded = password.casefold()
    email_fragments = _email_fragments(email or "")
    if any(fragment in folded for fragment in email_fragments):
        problems.append(N_("Le mot de passe ne doit pas contenir votre adresse électronique."))
    if not problems:
        # Only once the plain rules pass: one clear reason is better than two overlapping.
        context = _personal_pieces([*personal, _local_part(email or "")])
        weakness = _strength_problem(password, context)
        if weakness is not None:
            problems.append(weakness)
    return problems
