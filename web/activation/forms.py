"""Forms of the activation part: address + code, and asking for a new code."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import ValidationError

from web.activation.codes import ALPHABET, CODE_LENGTH, normalise_code
from web.registration.forms import PlainText, normalised_email, required, too_long


class ActivationForm(FlaskForm):
    """Adresse électronique + code d'activation."""

    email = StringField(
        _l("Adresse électronique"),
        validators=[required(_l("Saisissez votre adresse électronique.")), too_long(254),
                    PlainText()],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )
    code = StringField(
        _l("Code d'activation"),
        validators=[required(_l("Saisissez le code d'activation reçu par courriel.")),
                    too_long(40), PlainText()],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters",
                   "spellcheck": "false"},
    )

    def validate_email(self, field) -> None:
        self.normalised_email = normalised_email(field.data)

    def validate_code(self, field) -> None:
        code = normalise_code(field.data)
        if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
            raise ValidationError(
                _l("Le code d'activation comporte 12 lettres et chiffres (exemple : "
                   "ABCD-EF12-3456).")
            )

class NewCodeForm(FlaskForm):
    """Ask for a new code for a pending registration."""

    email = StringField(
        _l("Adresse électronique"),
        validators=[required(_l("Saisissez votre adresse électronique.")), too_long(254),
                    PlainText()],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )

    def validate_email(self, field) -> None:
        self.normalised_email = normalised_email(field.data)

class ResendForm(FlaskForm):
    """"Renvoyer le code" on the waiting page: only the CSRF token."""
