"""The templates' gettext (web/core/template_i18n.py): Flask-Babel's output, looked up once."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import force_locale, get_translations
from jinja2 import Environment

import web.core.template_i18n as template_i18n

# Plain strings, variables (escaped), a plural with its default `num`, `%%`, a `trans` block.
SOURCE = (
    '{{ _("Aller au contenu") }}|'
    '{{ _("%(field)s : %(error)s", field="<b>Nom</b>", error="Requis & vide") }}|'
    '{{ _("Étape %(step)d sur 4", step=2) }}|'
    '{{ gettext("Aller au contenu") }}|'
    '{{ ngettext("%(num)d dossier dans votre espace", "%(num)d dossiers dans votre espace", 1) }}|'
    '{{ ngettext("%(num)d dossier dans votre espace", "%(num)d dossiers dans votre espace", 3) }}|'
    '{{ _("100%% <sûr>") }}|'
    "{% trans n=2 %}{{ n }} <fois>{% endtrans %}"
)


def flask_babels_rendering(autoescape: bool) -> str:
    """SOURCE as Flask-Babel's own template callables (babel.init_app) render it."""
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)
    env.install_gettext_callables(
        gettext=lambda s: get_translations().ugettext(s),
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        newstyle=True,
    )
    return env.from_string(SOURCE).render()


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("autoescape", [True, False])
def test_templates_translate_as_flask_babel_does(app: Flask, language: str, autoescape: bool):
    with app.test_request_context("/", headers={"Cookie": f"lang={language}"}):
        app.jinja_env.autoescape = autoescape
        try:
            ours = app.jinja_env.from_string(SOURCE).render()
        finally:
            app.jinja_env.autoescape = True
        assert ours == flask_babels_rendering(autoescape)
    expected = "Skip to content" if language == "en" else "Aller au contenu"
    assert ours.startswith(expected + "|")
    if autoescape:
        assert "&lt;b&gt;Nom&lt;/b&gt;" in ours and "Requis &amp; vide" in ours


def test_a_page_resolves_its_translations_once(app: Flask, monkeypatch):
    resolved = []

    def counted():
        resolved.append(1)
        return get_translations()

    monkeypatch.setattr(template_i18n, "get_translations", counted)
    client = app.test_client()
    client.set_cookie("lang", "en")
    html = client.get("/inscription/etape-1").text
    # The layout's strings, the step names, the form's: all from one lookup.
    assert "Skip to content" in html and "Step 1 of 4" in html
    assert len(resolved) == 1


def test_force_locale_switches_the_templates_language_and_back(app: Flask):
    template = app.jinja_env.from_string('{{ _("Aller au contenu") }}')
    with app.test_request_context("/", headers={"Cookie": "lang=fr"}):
        assert template.render() == "Aller au contenu"
        with force_locale("en"):
            assert template.render() == "Skip to content"
        assert template.render() == "Aller au contenu"


def test_outside_any_request_the_templates_are_french(app: Flask):
    template = app.jinja_env.from_string('{{ _("Aller au contenu") }}')
    with app.app_context():
        assert template.render() == "Aller au contenu"
