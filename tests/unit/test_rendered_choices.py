"""The country list is built and rendered once per language (issue 17): the same HTML as
WTForms' own select gives, whichever option is selected, in French and in English."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.widgets import Select

from web.core.forms import PlainSelect, RenderedChoices, rendered_choices
from web.domain import address


class CountryForm(FlaskForm):
    class Meta:
        csrf = False

    country = SelectField("Pays", widget=PlainSelect())


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("chosen", ["FR", "DE", "CI", "ZZ", None])
def test_rendered_once_the_options_are_those_wtforms_writes(app, language, chosen):
    pairs = address.country_choices(language)
    with app.test_request_context():
        cached = CountryForm(data={"country": chosen})
        cached.country.choices = RenderedChoices(pairs)
        plain = CountryForm(data={"country": chosen})
        plain.country.choices = list(pairs)

        html = str(cached.country(class_="field"))
        assert html == str(Select()(plain.country, class_="field"))
    assert html.count("<option") == len(pairs)
    assert html.count("selected") == (chosen in {"FR", "DE", "CI"})


def test_one_list_per_key_for_the_process():
    built = []

    def pairs():
        built.append(1)
        return [("FR", "France"), ("DE", "Allemagne")]

    first = rendered_choices(("test-countries", "xx"), pairs)
    assert rendered_choices(("test-countries", "xx"), pairs) is first
    assert rendered_choices(("test-countries", "yy"), pairs) is not first
    assert built == [1, 1]
