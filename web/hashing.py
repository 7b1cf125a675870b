"""The app's argon2id hasher and password policy, built from configuration."""

from __future__ import annotations

from argon2 import PasswordHasher
from flask import current_app

from web.domain.passwords import PasswordPolicy
from web.domain.secrets_hashing import make_hasher


def hasher() -> PasswordHasher:
    """The current app's argon2id hasher (OWASP parameters unless configured)."""
    extensions = current_app.extensions
    if "argon2" not in extensions:
        config = current_app.config
        extensions["argon2"] = make_hasher(
            memory_kib=config["ARGON2_MEMORY_KIB"],
            time_cost=config["ARGON2_TIME_COST"],
            parallelism=config["ARGON2_PARALLELISM"],
        )
    return extensions["argon2"]


def password_policy() -> PasswordPolicy:
    """The configured policy: the seed's rule by default, or the strict one."""
    if current_app.config["PASSWORD_POLICY"] == "strict":  # noqa: S105 - a policy name
        return PasswordPolicy.strict()
    return PasswordPolicy()
