"""Forms of the subscriber space: log in, change the password, change the trust question."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField
from wtforms.validators import ValidationError

from web.core.forms import (
    AddressForm,
    NewPasswordMixin,
    address_field,
    answer_field,
    choices,
    code_field,
    normalised_email,
    required,
    second_step_code_field,
    too_long,
)
from web.core.i18n import translate
from web.core.translations import lazy_gettext as _l
from web.domain.text import clean_text
from web.domain.trust import TRUST_QUESTIONS, answer_problems


class LoginForm(AddressForm):
    """Adresse électronique + mot de passe."""

    email = address_field(_l("Adresse électronique"), autocomplete="username")
    password = PasswordField(
        _l("Mot de passe"),
        validators=[required(_l("Saisissez votre mot de passe.")), too_long(1024)],
        render_kw={"autocomplete": "current-password"},
    )


class CurrentPasswordMixin:
    """The current password, required before any change of secrets."""

    current_password = PasswordField(
        _l("Mot de passe actuel"),
        validators=[required(_l("Saisissez votre mot de passe actuel.")), too_long(1024)],
        render_kw={"autocomplete": "current-password"},
    )


class ChangePasswordForm(CurrentPasswordMixin, NewPasswordMixin, FlaskForm):
    """Change the password (current one required)."""

    def __init__(
        self, *args, login_email: str = "", personal_data: tuple[str, ...] = (), **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.login_email = login_email
        self.personal_data = personal_data


class TrustQuestionForm(CurrentPasswordMixin, FlaskForm):
    """Change the trust question and its answer (current password required)."""

    trust_question = SelectField(_l("Question"), choices=choices(TRUST_QUESTIONS))
    trust_answer = answer_field()

    def __init__(self, *args, forbidden: list[str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.forbidden = [clean_text(value) for value in forbidden or [] if value]

    def validate_trust_answer(self, field) -> None:
        problems = answer_problems(field.data, self.forbidden)
        if problems:
            raise ValidationError(" ".join(map(translate, problems)))


class LoginAddressForm(CurrentPasswordMixin, FlaskForm):
    """« Modifier mon adresse de connexion »: the new address (current password required)."""

    new_email = address_field(_l("Nouvelle adresse électronique de connexion"))

    def __init__(self, *args, current_email: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.current_email = current_email

    def validate_new_email(self, field) -> None:
        self.normalised_email = normalised_email(field.data)
        if self.normalised_email == self.current_email:
            raise ValidationError(_l("C'est déjà l'adresse de connexion de votre espace."))


class AddressCodeForm(FlaskForm):
    """The code mailed to the new login address."""

    code = code_field(
        _l("Code reçu à la nouvelle adresse"),
        missing=_l("Saisissez le code reçu à la nouvelle adresse."),
        wrong_shape=_l("Le code comporte 12 lettres et chiffres (exemple : ABCD-EF12-3456)."),
    )


class TwoStepLoginForm(FlaskForm):
    """The login's second page: a code of the app, or a recovery code."""

    code = second_step_code_field(_l("Code à 6 chiffres de votre application"))


class TwoStepEnrolForm(FlaskForm):
    """Confirm the app's enrolment with one of its current codes."""

    code = second_step_code_field(_l("Code à 6 chiffres affiché par l'application"))


class TwoStepDisableForm(CurrentPasswordMixin, FlaskForm):
    """Turn the app off: the current password and a current code (or a recovery code)."""

    code = second_step_code_field(_l("Code de l'application ou code de secours"))


class RecoveryCodesForm(CurrentPasswordMixin, FlaskForm):
    """Make a new set of recovery codes (the current password required)."""
