"""The profile's forms: who the subscriber is (identity) and how to reach them (contact).

The wizard's step 3 uses both; the space's « Modifier vos coordonnées » the contact part.
Identity comes first: WTForms orders a form's fields (and so its error summary) by
creation, and step 3 lists identity before contact.
"""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.validators import Optional, ValidationError

from web.core.forms import (
    PlainSelect,
    PlainText,
    address_field,
    choices,
    normalised_email,
    rendered_choices,
    required,
    too_long,
)
from web.core.i18n import country_choices, current_language, translate_error
from web.core.translations import lazy_gettext as _l
from web.domain import RuleError
from web.domain.address import STREET_TYPES, check_postal_code
from web.domain.company import normalise_company_id
from web.domain.phone import normalise_phone
from web.domain.text import clean_text

NAME_PATTERN = re.compile(r"^[^\W\d_]+(?:[ '’-][^\W\d_]+)*$")
STREET_NUMBER_PATTERN = re.compile(r"^\d{1,5} ?(?:bis|ter|quater|[a-z])?$", re.IGNORECASE)


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
    contact_email = address_field(_l("Adresse électronique"))
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
        # Built and rendered once per language (web/core/forms.py, docs/PERFORMANCE.md).
        self.country.choices = rendered_choices(("countries", current_language()), country_choices)
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


def contact_from_form(form: ContactForm) -> dict:
    """The contact values, cleaned and normalised (also used by the space's edit page)."""
    text_fields = ("street_number", "street_name", "address_complement", "city")
    values = {name: clean_text(getattr(form, name).data) or None for name in text_fields}
    values.update(
        street_type=form.street_type.data or None,
        country=form.country.data,
        phone=form.cleaned["phone"],
        contact_email=form.cleaned["contact_email"],
        postal_code=form.cleaned.get("postal_code") or None,
    )
    return values
