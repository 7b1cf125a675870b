"""Forms of the subscriber space: log in, change the password, change the trust question."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField
from wtforms.validators import ValidationError

from web.core.forms import (
    AddressForm,
    NewPasswordMixin,
    address_field,
    answer_field,
    choices,
    required,
    too_long,
)
from web.core.i18n import translate
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
