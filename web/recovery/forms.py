"""Recovery forms: address + number, the trust answer (the address alone: AddressForm)."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import ValidationError

from web.core.forms import (
    AddressForm,
    NewPasswordMixin,
    PlainText,
    answer_field,
    required,
    second_step_code_field,
    too_long,
)
from web.core.translations import lazy_gettext as _l


class ForgotPasswordForm(AddressForm):
    """Address + subscriber number."""

    subscriber_number = StringField(
        _l("Numéro d'abonné"),
        validators=[required(_l("Saisissez votre numéro d'abonné.")), too_long(30), PlainText()],
        render_kw={"autocomplete": "off", "inputmode": "numeric"},
    )

    def validate_subscriber_number(self, field) -> None:
        self.cleaned_number = re.sub(r"\s", "", field.data)
        if not re.fullmatch(r"\d{14}", self.cleaned_number):
            raise ValidationError(_l("Le numéro d'abonné comporte 14 chiffres."))


class TrustAnswerForm(FlaskForm):
    """The answer to the trust question."""

    answer = answer_field()


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    """Choose a new password after recovery."""

    def __init__(self, *args, login_email: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.login_email = login_email


class UnlockForm(FlaskForm):
    """The button that spends an unlock link (its token rides in a hidden field)."""

    token = HiddenField()


class SecondStepForm(FlaskForm):
    """With the second step on: a code of the app, or a recovery code."""

    code = second_step_code_field(_l("Code de l'application ou code de secours"))
