"""Forms of the dossiers pages: add, import, adhere; the rest are buttons with a CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, StringField
from wtforms.validators import ValidationError

from web.core.forms import PlainText, choices, required, too_long
from web.core.i18n import translate_error
from web.core.translations import lazy_gettext as _l
from web.domain import RuleError
from web.domain.company import normalise_company_id
from web.domain.text import clean_text
from web.dossiers.catalogue import ROLES
from web.dossiers.importing import LABEL_MAX


class DossierForm(FlaskForm):
    """« Ajouter un dossier »: the company's SIREN and, optionally, a name to recognise it."""

    siren = StringField(
        _l("SIREN de l'entreprise"),
        validators=[
            required(_l("Saisissez le SIREN de l'entreprise (9 chiffres).")),
            too_long(20),
            PlainText(),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"},
    )
    label = StringField(
        _l("Nom du dossier (facultatif)"),
        validators=[too_long(LABEL_MAX), PlainText()],
        filters=[clean_text],
        render_kw={"autocomplete": "organization"},
    )

    def validate_siren(self, field) -> None:
        try:
            self.normalised_siren = normalise_company_id(field.data, foreign=False)
        except RuleError as error:
            raise ValidationError(translate_error(error)) from None


class ImportForm(FlaskForm):
    """A CSV file of SIRENs, with optional names."""

    file = FileField(
        _l("Fichier CSV"),
        validators=[FileRequired(_l("Choisissez le fichier CSV à importer."))],
        render_kw={"accept": ".csv,.txt,text/csv,text/plain"},
    )


class AdhesionForm(FlaskForm):
    """« Adhérer » to one service: the role the subscriber holds for the company.

    Built with the service's key as prefix: one form per service on the same page. Its CSRF
    token is not a field of the form, which would be prefixed too (« tva-csrf_token »): the
    template posts it as the standard « csrf_token », which CSRFProtect checks before any view.
    """

    class Meta:
        csrf = False

    role = RadioField(
        _l("À quel titre ?"),
        choices=choices(ROLES),
        validators=[required(_l("Choisissez à quel titre vous adhérez à ce service."))],
    )


class ActionForm(FlaskForm):
    """A button (remove, withdraw) that carries only the CSRF token."""
