"""The wizard's forms: the rules of each field live here, the domain rules in web.domain."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import escape
from wtforms import BooleanField, PasswordField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import Select

from web.domain import RuleError
from web.domain.address import STREET_TYPES, check_postal_code
from web.domain.company import normalise_company_id
from web.domain.passwords import password_problems
from web.domain.phone import normalise_phone
from web.domain.text import clean_text, forbidden_character
from web.domain.trust import TRUST_QUESTIONS, answer_problems
from web.hashing import password_policy
from web.i18n import country_choices, lazy_label, translate, translate_error

NAME_PATTERN = re.compile(r"^[^\W\d_]+(?:[ '’-][^\W\d_]+)*$")
STREET_NUMBER_PATTERN = re.compile(r"^\d{1,5} ?(?:bis|ter|quater|[a-z])?$", re.IGNORECASE)


class PlainText:
    """Refuse control, invisible and direction characters in free text."""

    def __call__(self, form: FlaskForm, field) -> None:
        if field.data and forbidden_character(field.data):
            raise ValidationError(_l("Ce champ contient un caractère non autorisé."))


def normalised_email(value: str) -> str:
    """Validate an address and return it normalised, compared case-insensitively."""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationError(
            _l("L'adresse électronique n'est pas valide (exemple : prenom.nom@example.com).")
        ) from None


def choices(pairs) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs (labels marked in web.domain: translated)."""
    return [SelectChoice(value, lazy_label(label)) for value, label in pairs]


class PlainSelect(Select):
    """WTForms' <select>, each plain option written directly: the same HTML, but the country
    list (~250 options) renders in ~1 ms instead of ~4 ms (profiled: step 3's hot spot)."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        selected = "selected " if choice.selected else ""
        label = escape(choice.label or choice.value)
        return f'<option {selected}value="{escape(choice.value)}">{label}</option>'


def required(message: str):
    """A required-field validator with its French message."""
    return InputRequired(message=message)


class MaxLength(Length):
    """Length(max=...), also on the NFC form that is stored: NFC can lengthen a value."""

    def __call__(self, form: FlaskForm, field) -> None:
        super().__call__(form, field)
        # e.g. U+1D160 becomes 3 code points: a valid-looking value would overflow its column.
        if field.data and len(clean_text(field.data)) > self.max:
            raise ValidationError(self.message)


def too_long(maximum: int):
    """A maximum-length validator with its French message."""
    return MaxLength(max=maximum, message=_l("%(max)d caractères au maximum.", max=maximum))


class AddressForm(FlaskForm):
    """An address of a space, normalised (activation, new code, recovery)."""

    email = StringField(
        _l("Adresse électronique"),
        validators=[
            required(_l("Saisissez votre adresse électronique.")),
            too_long(254),
            PlainText(),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )

    def validate_email(self, field) -> None:
        self.normalised_email = normalised_email(field.data)


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

    email = StringField(
        _l("Votre adresse électronique"),
        validators=[
            required(_l("Saisissez votre adresse électronique.")),
            too_long(254),
            PlainText(),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )
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
        """True when the password fields are left empty on an edit of the same address."""
        return (
            not self.password.data
            and not self.password_confirm.data
            and self.kept_email is not None
            and self.normalised_email == self.kept_email
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


class IdentityFields(FlaskForm):
    """Usager and entreprise d'appartenance: set at registration, shown in the space."""

    civility = RadioField(
        _l("Civilité"),
        choices=choices([("mme", _l("Madame")), ("m", _l("Monsieur"))]),
        validators=[required(_l("Indiquez votre civilité."))],
    )
    last_name = StringField(
        _l("Nom"),
        validators=[required(_l("Saisissez votre nom.")), too_long(80), PlainText()],
        render_kw={"autocomplete": "family-name"},
    )
    first_name = StringField(
        _l("Prénom"),
        validators=[required(_l("Saisissez votre prénom.")), too_long(80), PlainText()],
        render_kw={"autocomplete": "given-name"},
    )
    foreign_company = BooleanField(_l("Entreprise étrangère"))
    company_id = StringField(
        _l("S.I.R.E.N. ou équivalent"),
        validators=[
            required(_l("Saisissez le S.I.R.E.N. ou l'identifiant équivalent.")),
            too_long(40),
            PlainText(),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )

    def validate_last_name(self, field) -> None:
        if not NAME_PATTERN.match(clean_text(field.data)):
            raise ValidationError(
                _l(
                    "Le nom ne peut contenir que des lettres, des espaces, des tirets et des "
                    "apostrophes."
                )
            )

    def validate_first_name(self, field) -> None:
        if not NAME_PATTERN.match(clean_text(field.data)):
            raise ValidationError(
                _l(
                    "Le prénom ne peut contenir que des lettres, des espaces, des tirets et des "
                    "apostrophes."
                )
            )

    def validate_company_id(self, field) -> None:
        try:
            self.cleaned["company_id"] = normalise_company_id(
                field.data, foreign=self.foreign_company.data
            )
        except RuleError as error:
            raise ValidationError(translate_error(error)) from None


class ContactForm(FlaskForm):
    """Contact: editable later from the space (« Modifier vos coordonnées »)."""

    phone = StringField(
        _l("Numéro de téléphone"),
        validators=[
            required(_l("Saisissez votre numéro de téléphone.")),
            too_long(30),
            PlainText(),
        ],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    contact_email = StringField(
        _l("Adresse électronique"),
        validators=[
            required(_l("Saisissez votre adresse électronique.")),
            too_long(254),
            PlainText(),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )
    street_number = StringField(
        _l("Numéro de la voie"), validators=[Optional(), too_long(10), PlainText()]
    )
    street_type = SelectField(
        _l("Nature de la voie"), choices=choices(STREET_TYPES), default="", widget=PlainSelect()
    )
    street_name = StringField(
        _l("Libellé de la voie"),
        validators=[Optional(), too_long(120), PlainText()],
        render_kw={"autocomplete": "address-line1"},
    )
    address_complement = StringField(
        _l("Complément d'adresse"),
        validators=[Optional(), too_long(120), PlainText()],
        render_kw={"autocomplete": "address-line2"},
    )
    postal_code = StringField(
        _l("Code postal"),
        validators=[Optional(), too_long(12), PlainText()],
        render_kw={"autocomplete": "postal-code"},
    )
    city = StringField(
        _l("Ville"),
        validators=[required(_l("Saisissez votre ville.")), too_long(80), PlainText()],
        render_kw={"autocomplete": "address-level2"},
    )
    country = SelectField(
        _l("Pays"),
        default="FR",
        validators=[required(_l("Indiquez votre pays."))],
        render_kw={"autocomplete": "country"},
        widget=PlainSelect(),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = choices(country_choices())
        self.cleaned: dict[str, str] = {}

    def validate_phone(self, field) -> None:
        try:
            self.cleaned["phone"] = normalise_phone(field.data, self.country.data)
        except RuleError as error:
            raise ValidationError(translate_error(error)) from None

    def validate_contact_email(self, field) -> None:
        self.cleaned["contact_email"] = normalised_email(field.data)

    def validate_street_number(self, field) -> None:
        if field.data and not STREET_NUMBER_PATTERN.match(clean_text(field.data)):
            raise ValidationError(
                _l(
                    "Le numéro de la voie est un nombre, suivi au besoin de bis, ter ou d'une "
                    "lettre (exemple : 12 bis)."
                )
            )

    def validate_postal_code(self, field) -> None:
        try:
            self.cleaned["postal_code"] = check_postal_code(field.data or "", self.country.data)
        except RuleError as error:
            raise ValidationError(translate_error(error)) from None


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
            self.login_email.split("@")[0],
        ]
        problems = answer_problems(field.data, [clean_text(value) for value in forbidden if value])
        if problems:
            raise ValidationError(" ".join(map(translate, problems)))
