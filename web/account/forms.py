"""Forms of the subscriber space: log in, change the password, change the trust question."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import ValidationError

from web.domain.passwords import password_problems
from web.domain.text import clean_text
from web.domain.trust import TRUST_QUESTIONS, answer_problems
from web.hashing import password_policy
from web.i18n import translate
from web.registration.forms import PlainText, choices, normalised_email, required, too_long


class LoginForm(FlaskForm):
    """Adresse électronique + mot de passe."""

    email = StringField(
        _l("Adresse électronique"),
        validators=[
            required(_l("Saisissez votre adresse électronique.")),
            too_long(254),
            PlainText(),
        ],
        render_kw={"autocomplete": "username", "inputmode": "email"},
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=[required(_l("Saisissez votre mot de passe.")), too_long(1024)],
        render_kw={"autocomplete": "current-password"},
    )

    def validate_email(self, field) -> None:
        self.normalised_email = normalised_email(field.data)


class NewPasswordMixin:
    """A new password typed twice, checked against the policy and the address."""

    new_password = PasswordField(
        _l("Nouveau mot de passe"),
        validators=[required(_l("Saisissez le nouveau mot de passe.")), too_long(1024)],
        render_kw={"autocomplete": "new-password"},
    )
    new_password_confirm = PasswordField(
        _l("Confirmer le nouveau mot de passe"),
        validators=[required(_l("Confirmez le nouveau mot de passe.")), too_long(1024)],
        render_kw={"autocomplete": "new-password"},
    )
    login_email: str = ""

    def validate_new_password(self, field) -> None:
        problems = password_problems(field.data, self.login_email, password_policy())
        if problems:
            raise ValidationError(" ".join(map(translate, problems)))

    def validate_new_password_confirm(self, field) -> None:
        if field.data != self.new_password.data:
            raise ValidationError(_l("Les deux mots de passe ne sont pas identiques."))


class CurrentPasswordMixin:
    """The current password, required before any change of secrets."""

    current_password = PasswordField(
        _l("Mot de passe actuel"),
        validators=[required(_l("Saisissez votre mot de passe actuel.")), too_long(1024)],
        render_kw={"autocomplete": "current-password"},
    )


class ChangePasswordForm(CurrentPasswordMixin, NewPasswordMixin, FlaskForm):
    """Change the password (current one required)."""

    def __init__(self, *args, login_email: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.login_email = login_email


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    """Choose a new password after recovery."""

    def __init__(self, *args, login_email: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.login_email = login_email


class TrustQuestionForm(CurrentPasswordMixin, FlaskForm):
    """Change the trust question and its answer (current password required)."""

    trust_question = SelectField(_l("Question"), choices=choices(TRUST_QUESTIONS))
    trust_answer = StringField(
        _l("Réponse"),
        validators=[
            required(_l("Saisissez la réponse à votre question de confiance.")),
            too_long(100),
            PlainText(),
        ],
        render_kw={"autocomplete": "off"},
    )

    def __init__(self, *args, forbidden: list[str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.forbidden = [clean_text(value) for value in forbidden or [] if value]

    def validate_trust_answer(self, field) -> None:
        problems = answer_problems(field.data, self.forbidden)
        if problems:
            raise ValidationError(" ".join(map(translate, problems)))
