"""Password policy and the French messages explaining why a password is refused."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from web.domain import N_, Phrase

COMMON_PASSWORDS_COUNT = 10_000

# Pieces of the e-mail local part shorter than this would forbid too many passwords.
_MIN_EMAIL_PIECE = 3
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]*")
_ALNUM_PIECE = re.compile(r"[^\W_]+")


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


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    """Load the most common passwords once, on first use."""
    # Imported lazily: the frequency lists are large and only needed here.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"][:COMMON_PASSWORDS_COUNT])


def _email_fragments(email: str) -> set[str]:
    """Return the lower-cased parts of the e-mail a password must not contain."""
    local = email.rpartition("@")[0] if "@" in email else email
    local = local.strip().casefold()
    fragments = {local, *_ALNUM_PIECE.findall(local)}
    return {part for part in fragments if len(part) >= _MIN_EMAIL_PIECE}


def password_problems(password: str, email: str, policy: PasswordPolicy) -> list[Phrase]:
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
    folded = password.casefold()
    if folded in _common_passwords():
        problems.append(
            N_("Ce mot de passe est trop courant et facile à deviner : choisissez-en un autre.")
        )
    if any(fragment in folded for fragment in _email_fragments(email or "")):
        problems.append(N_("Le mot de passe ne doit pas contenir votre adresse électronique."))
    return problems
