"""Forms of the activation part: address + code, and asking for a new code."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import ValidationError

from web.core.forms import AddressForm, PlainText, required, too_long
from web.core.secrets.codes import ALPHABET, CODE_LENGTH, normalise_code


class ActivationForm(AddressForm):
    """Adresse électronique + code d'activation."""

    code = StringField(
        _l("Code d'activation"),
        validators=[
            required(_l("Saisissez le code d'activation reçu par courriel.")),
            too_long(40),
            PlainText(),
        ],
        render_kw={
            "autocomplete": "one-time-code",
            "autocapitalize": "characters",
            "spellcheck": "false",
        },
    )

    def validate_code(self, field) -> None:
        code = normalise_code(field.data)
        if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
            raise ValidationError(
                _l(
                    "Le code d'activation comporte 12 lettres et chiffres (exemple : "
                    "ABCD-EF12-3456)."
                )
            )


class NewCodeForm(AddressForm):
    """Ask for a new code for a pending registration."""
