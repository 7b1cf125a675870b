"""Inputs write their attributes without Markup.format (issue 17): the same text as WTForms'
own `html_params`, for every kind of value and key it treats apart."""

from __future__ import annotations

import pytest
from markupsafe import Markup
from wtforms import BooleanField, Form, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length
from wtforms.widgets import core

from web.core.widgets import html_params

WTFORMS_HTML_PARAMS = core.html_params

CASES = [
    {"id": "email", "name": "email", "type": "email", "value": "a@example.com", "required": True},
    {"aria_describedby": "email-hint email-error", "aria_invalid": "true", "data_a_b": "c"},
    {"value": 'il a dit "oui" <b> & l\'été', "class_": "input--short", "for_": "x"},
    {"value": Markup('déjà "sûr" &amp; <i>'), "checked": False, "disabled": True},
    {"value": 0, "maxlength": 20, "minlength": None},
    {"name": "<a>", "value": True},
    {},
]


@pytest.mark.parametrize("attributes", CASES)
def test_the_attributes_are_those_wtforms_writes(attributes):
    ours = html_params(**attributes)
    assert ours == WTFORMS_HTML_PARAMS(**attributes)
    assert isinstance(ours, Markup)


class SignUp(Form):
    email = StringField("Adresse", validators=[InputRequired(), Length(max=80)])
    password = PasswordField("Mot de passe", validators=[InputRequired()])
    accept = BooleanField("J'accepte")
    kind = RadioField("Type", choices=[SelectChoice("a", "Un « a »"), SelectChoice("b", 'Un "b"')])


def render_all(form: Form) -> list[str]:
    return [
        str(field(**{"aria_describedby": f"{field.id}-error", "class_": "x"}))
        for field in (form.email, form.password, form.accept)
    ] + [str(option(required=True)) for option in form.kind]


def test_an_input_writes_its_tag_without_markup_format(app, monkeypatch):
    form = SignUp(data={"email": 'x"<y>@example.com', "accept": True, "kind": "b"})
    monkeypatch.setattr(core.Input, "html_params", staticmethod(WTFORMS_HTML_PARAMS))
    wtforms_tags = render_all(form)

    monkeypatch.setattr(core.Input, "html_params", staticmethod(html_params))  # create_app's
    monkeypatch.setattr(Markup, "format", lambda *args, **kwargs: pytest.fail("Markup.format"))
    assert render_all(form) == wtforms_tags


def test_the_app_installs_it(app):
    assert core.Input.html_params is html_params
