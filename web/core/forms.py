"""The forms toolkit every feature uses: fields' rules, the address form, password fields."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import PasswordField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError
from wtforms.widgets import Select

from web.core.i18n import lazy_label, translate
from web.core.secrets.codes import ALPHABET, CODE_LENGTH, normalise_code
from web.core.translations import lazy_gettext as _l
from web.core.widgets import html_params
from web.domain.passwords import PasswordPolicy, password_problems
from web.domain.text import clean_text, forbidden_character


def password_policy() -> PasswordPolicy:
    """The configured policy: the seed's rule by default, or the strict one."""
    if current_app.config["PASSWORD_POLICY"] == "strict":  # noqa: S105 - a policy name
        return PasswordPolicy.strict()
    return PasswordPolicy()


# What someone who knows the subscriber would try first in a password.
PERSONAL_FIELDS = ("last_name", "first_name", "street_name", "city", "postal_code", "company_id")


def personal_data(person: object) -> tuple[str, ...]:
    """The person's names, address and company identifier, for the password rules."""
    return tuple(value for name in PERSONAL_FIELDS if (value := getattr(person, name, None)))


class PlainText:
    """Refuse control, invisible and direction characters in free text."""

    def __call__(self, form: FlaskForm, field) -> None:
        if field.data and forbidden_character(field.data):
            raise ValidationError(_l("Ce champ contient un caractère non autorisé."))


def normalised_email(value: str) -> str:
    """Validate an address and return it normalised, compared case-insensitively.

    A local part (before the @) outside ASCII (jöhn, иван, fullwidth ｊｏｈｎ) is refused:
    it needs SMTPUTF8, which Flask-Mail cannot send. The domain may be internationalised
    (it is sent in its IDNA form). docs/SECURITY.md.
    """
    try:
        address = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise ValidationError(
            _l("L'adresse électronique n'est pas valide (exemple : prenom.nom@example.com).")
        ) from None
    if address.smtputf8:
        raise ValidationError(
            _l(
                "Avant le @, l'adresse électronique ne peut contenir que des lettres sans "
                "accent (a à z), des chiffres et des signes comme . - _ (exemple : "
                "prenom.nom@example.com)."
            )
        )
    return address.normalized.lower()


def choices(pairs) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs (labels marked in web.domain: translated)."""
    return [SelectChoice(value, lazy_label(label)) for value, label in pairs]


class PlainSelect(Select):
    """WTForms' <select>, each plain option written directly: the same HTML, but the country
    list (~250 options) renders in ~1 ms instead of ~4 ms (profiled: step 3's hot spot);
    with `RenderedChoices` (built once per language), in a few µs."""

    def __call__(self, field, **kwargs):
        if not isinstance(field.choices, RenderedChoices) or field.coerce is not str:
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for name in dir(flags):
            if name in self.validation_attrs and name not in kwargs:
                kwargs[name] = getattr(flags, name)
        # As WTForms' Select does: html_params and RenderedChoices escape every value.
        return Markup(  # noqa: S704
            f"<select {html_params(name=field.name, **kwargs)}>"
            f"{field.choices.render(field.data)}</select>"
        )

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        selected = "selected " if choice.selected else ""
        label = escape(choice.label or choice.value)
        return f'<option {selected}value="{escape(choice.value)}">{label}</option>'


class RenderedChoices(list):
    """Choices of plain (value, label) strings with their `<option>` tags written once: a
    list built once per language (the ~250 countries) and shared by every form; each page
    only marks the selected option (`PlainSelect`)."""

    def __init__(self, pairs) -> None:
        super().__init__(SelectChoice(value, label) for value, label in pairs)
        self.index = {choice.value: position for position, choice in enumerate(self)}
        self.options = [self._tag(choice, "") for choice in self]
        self.selected = [self._tag(choice, "selected ") for choice in self]

    @staticmethod
    def _tag(choice: SelectChoice, selected: str) -> str:
        return f'<option {selected}value="{escape(choice.value)}">{escape(choice.label)}</option>'

    def render(self, data) -> str:
        """Every option, the one whose value is `data` selected."""
        position = self.index.get(data) if isinstance(data, str) else None
        if position is None:
            return "".join(self.options)
        return "".join(
            [*self.options[:position], self.selected[position], *self.options[position + 1 :]]
        )


_RENDERED: dict[object, RenderedChoices] = {}


def rendered_choices(key: object, pairs: Callable[[], Iterable[tuple[str, str]]]):
    """The choices `pairs()` gives (plain strings, already in the page's language), built
    and rendered once per `key` (which names the language) for the process."""
    cached = _RENDERED.get(key)
    if cached is None:
        cached = _RENDERED[key] = RenderedChoices(pairs())
    return cached


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


def address_field(label: str, autocomplete: str = "email") -> StringField:
    """An address field: required, 254 characters at most, plain text."""
    return StringField(
        label,
        validators=[
            required(_l("Saisissez votre adresse électronique.")),
            too_long(254),
            PlainText(),
        ],
        render_kw={"autocomplete": autocomplete, "inputmode": "email"},
    )


class MailedCode:
    """A code as mailed (XXXX-XXXX-XXXX): 12 letters and digits, whatever the case, the
    spaces or dashes typed; `message` says so in the form's own words."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        code = normalise_code(field.data or "")
        if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
            raise ValidationError(self.message)


def code_field(label: str, missing: str, wrong_shape: str) -> StringField:
    """A mailed code: required, its shape checked, typed as a one-time code."""
    return StringField(
        label,
        validators=[required(missing), too_long(40), PlainText(), MailedCode(wrong_shape)],
        render_kw={
            "autocomplete": "one-time-code",
            "autocapitalize": "characters",
            "spellcheck": "false",
        },
    )


def second_step_code_field(label: str) -> StringField:
    """A code of the second step: the app's 6 digits, or a recovery code."""
    return StringField(
        label,
        validators=[required(_l("Saisissez le code.")), too_long(64), PlainText()],
        render_kw={
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "spellcheck": "false",
            "autocapitalize": "off",
        },
    )


def answer_field() -> StringField:
    """The answer to the trust question: required, 100 characters at most, plain text."""
    return StringField(
        _l("Réponse"),
        validators=[
            required(_l("Saisissez la réponse à votre question de confiance.")),
            too_long(100),
            PlainText(),
        ],
        render_kw={"autocomplete": "off"},
    )


class AddressForm(FlaskForm):
    """An address of a space, normalised (activation, new code, recovery)."""

    email = address_field(_l("Adresse électronique"))

    def validate_email(self, field) -> None:
        self.normalised_email = normalised_email(field.data)


class ResendForm(FlaskForm):
    """ "Renvoyer le code" on the waiting page: only the CSRF token."""


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
    # The subscriber's own data (see personal_data), set by the route: zxcvbn's context.
    personal_data: tuple[str, ...] = ()

    def validate_new_password(self, field) -> None:
        problems = password_problems(
            field.data, self.login_email, password_policy(), personal=self.personal_data
        )
        if problems:
            raise ValidationError(" ".join(map(translate, problems)))

    def validate_new_password_confirm(self, field) -> None:
        if field.data != self.new_password.data:
            raise ValidationError(_l("Les deux mots de passe ne sont pas identiques."))
