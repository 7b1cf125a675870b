"""The wizard's forms: the rules of each field live here, the domain rules in web.domain."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import ValidationError

from web.core.forms import (
    PlainText,
    address_field,
    choices,
    normalised_email,
    password_policy,
    required,
    too_long,
)
from web.core.i18n import translate
from web.core.profile import ContactForm, IdentityFields
from web.core.translations import lazy_gettext as _l
from web.domain.passwords import password_problems
from web.domain.text import clean_text
from web.domain.trust import TRUST_QUESTIONS, answer_problems, login_names


class TermsForm(FlaskForm):
    """1ère étape: accept the terms of use."""

    accept = BooleanField(
        _l(
            "Je reconnais avoir pris connaissance des conditions générales et les accepte "
            "sans restriction."
        ),
        validators=[required(_l("Il faut accepter au préalable des conditions générales"))],
    )


class ConfirmForm(FlaskForm):
    """4ème étape: "Valider" carries only the CSRF token."""


class CredentialsForm(FlaskForm):
    """2ème étape: the login address and the password."""

    email = address_field(_l("Votre adresse électronique"))
    email_confirm = StringField(
        _l("Confirmer votre adresse électronique"),
        validators=[
            required(_l("Confirmez votre adresse électronique.")),
            too_long(254),
            PlainText(),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )
    password = PasswordField(
        _l("Votre mot de passe"),
        # No Optional(): it would stop the chain and let an empty password through;
        # validate_password decides when empty means "keep the one already hashed".
        validators=[too_long(1024)],
        render_kw={"autocomplete": "new-password"},
    )
    password_confirm = PasswordField(
        _l("Confirmer votre mot de passe"),
        # No Optional(): it would stop the chain and let an empty password through;
        # validate_password decides when empty means "keep the one already hashed".
        validators=[too_long(1024)],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args, kept_email: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # On "Modifier", an empty password keeps the one already hashed for this address.
        self.kept_email = kept_email
        self.normalised_email: str | None = None

    def keeps_password(self) -> bool:
        """True when the password fields are left empty on « Modifier », as the hint allows,
        even when the address is corrected: the password already chosen is kept."""
        return (
            not self.password.data
            and not self.password_confirm.data
            and self.kept_email is not None
        )

    def validate_email(self, field) -> None:
        self.normalised_email = normalised_email(field.data)

    def validate_email_confirm(self, field) -> None:
        if self.normalised_email is None:
            return
        try:
            confirmed = normalised_email(field.data)
        except ValidationError:
            confirmed = None
        if confirmed != self.normalised_email:
            raise ValidationError(_l("Les deux adresses électroniques ne sont pas identiques."))

    def validate_password(self, field) -> None:
        if self.keeps_password():
            return
        if not field.data:
            raise ValidationError(_l("Saisissez votre mot de passe."))
        problems = password_problems(field.data, self.email.data or "", password_policy())
        if problems:
            raise ValidationError(" ".join(map(translate, problems)))

    def validate_password_confirm(self, field) -> None:
        if self.keeps_password():
            return
        if not field.data:
            raise ValidationError(_l("Confirmez votre mot de passe."))
        if field.data != self.password.data:
            raise ValidationError(_l("Les deux mots de passe ne sont pas identiques."))


class ProfileForm(IdentityFields, ContactForm):
    """3ème étape: the registration form (usager, entreprise, contact, question)."""

    trust_question = SelectField(_l("Question"), choices=choices(TRUST_QUESTIONS))
    trust_answer = StringField(
        _l("Réponse"),
        # Required unless kept (see keeps_answer): validate_trust_answer checks emptiness.
        validators=[too_long(100), PlainText()],
        render_kw={"autocomplete": "off"},
    )

    def __init__(
        self, *args, kept_question: str | None = None, login_email: str = "", **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kept_question = kept_question
        self.login_email = login_email

    def keeps_answer(self) -> bool:
        """True when the answer is left empty on an edit that keeps the same question."""
        return (
            not self.trust_answer.data
            and self.kept_question is not None
            and self.kept_question == self.trust_question.data
        )

    def validate_trust_answer(self, field) -> None:
        if self.keeps_answer():
            return
        if not field.data or not field.data.strip():
            raise ValidationError(_l("Saisissez la réponse à votre question de confiance."))
        forbidden = [
            self.last_name.data,
            self.first_name.data,
            self.street_name.data,
            self.city.data,
            *login_names(self.login_email),
        ]
        problems = answer_problems(field.data, [clean_text(value) for value in forbidden if value])
        if problems:
            raise ValidationError(" ".join(map(translate, problems)))
