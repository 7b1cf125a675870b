"""Forms of the activation part: address + code, and asking for a new code."""

from __future__ import annotations

from web.core.forms import AddressForm, code_field
from web.core.translations import lazy_gettext as _l


class ActivationForm(AddressForm):
    """Adresse électronique + code d'activation."""

    code = code_field(
        _l("Code d'activation"),
        missing=_l("Saisissez le code d'activation reçu par courriel."),
        wrong_shape=_l(
            "Le code d'activation comporte 12 lettres et chiffres (exemple : ABCD-EF12-3456)."
        ),
    )


class NewCodeForm(AddressForm):
    """Ask for a new code for a pending registration."""
