"""gettext for templates and lazy strings (web/core/translations.py): Flask-Babel's output,
the translations looked up once per request."""

from __future__ import annotations

import flask_babel
import pytest
from flask import Flask
from flask_babel import force_locale, get_translations
from flask_babel import lazy_gettext as flask_babels_lazy_gettext
from jinja2 import Environment

from web.core.translations import lazy_gettext, ngettext

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
        flasks_own = app.jinja_env.autoescape
        app.jinja_env.autoescape = autoescape
        try:
            ours = app.jinja_env.from_string(SOURCE).render()
        finally:
            app.jinja_env.autoescape = flasks_own
        assert ours == flask_babels_rendering(autoescape)
    expected = "Skip to content" if language == "en" else "Aller au contenu"
    assert ours.startswith(expected + "|")
    if autoescape:
        assert "&lt;b&gt;Nom&lt;/b&gt;" in ours and "Requis &amp; vide" in ours


@pytest.mark.parametrize("url", ["/inscription/etape-1", "/espace/connexion"])
def test_a_page_resolves_its_translations_once(app: Flask, monkeypatch, url: str):
    resolved = []
    flask_babels = flask_babel.Domain.get_translations

    def counted(domain):
        resolved.append(1)
        return flask_babels(domain)

    monkeypatch.setattr(flask_babel.Domain, "get_translations", counted)
    client = app.test_client()
    client.set_cookie("lang", "en")
    html = client.get(url).text
    # The layout's strings, the form's lazy labels, the buttons: all from one lookup.
    assert "Skip to content" in html
    assert len(resolved) == 1


@pytest.mark.parametrize("language", ["fr", "en"])
def test_lazy_strings_translate_as_flask_babels_do(app: Flask, language: str):
    cases = [("Adresse électronique", {}), ("Étape %(step)d sur 4", {"step": 3})]
    plural = ("%(num)d heure", "%(num)d heures")
    with app.test_request_context("/", headers={"Cookie": f"lang={language}"}):
        for msgid, variables in cases:
            ours = lazy_gettext(msgid, **variables)
            assert str(ours) == str(flask_babels_lazy_gettext(msgid, **variables))
            assert ours.__html__() == flask_babels_lazy_gettext(msgid, **variables).__html__()
        for number in (1, 48):
            assert ngettext(*plural, number) == flask_babel.ngettext(*plural, number)
        with force_locale("en"):
            assert str(lazy_gettext("Aller au contenu")) == "Skip to content"
    with app.app_context():
        assert str(lazy_gettext("Aller au contenu")) == "Aller au contenu"


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
