"""Pure domain rules (validation and normalisation) shared by the forms and services."""

from __future__ import annotations


class RuleError(ValueError):
    """A business rule was broken; ``str()`` is the French message for the user."""
