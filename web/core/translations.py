"""gettext for templates and lazy strings: Flask-Babel's translations, looked up once per
language.

Flask-Babel resolves the translations on every call (the domain, the babel context on `g`
and the locale, each through several context-local lookups: about twenty per string, two
hundred template strings and as many lazy labels a sign-up). These resolve them from the
babel context once and keep them there, keyed on the locale object Flask-Babel holds: a new
request, `force_locale` (mails) and `refresh()` each give a new locale, so a new lookup.
Same output as Flask-Babel's: Jinja's newstyle wrappers (autoescaping, `%(name)s`
formatting) for templates; Flask-Babel's `Domain.gettext` and `LazyString` for code.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask_babel import get_translations
from flask_babel.speaklater import LazyString
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

# The attribute of Flask-Babel's context (g._flask_babel) holding the resolved translations.
_CACHE = "espace_pro_translations"


def _translations() -> Any:
    """The translations Flask-Babel would use now, resolved at most once per locale."""
    try:
        babel_context = g._flask_babel
    except (AttributeError, RuntimeError):  # no app context, or babel not used yet
        return get_translations()
    locale = getattr(babel_context, "babel_locale", None)
    domain = getattr(babel_context, "babel_domain", None)
    cached = getattr(babel_context, _CACHE, None)
    if cached is not None and locale is not None and cached[0] is locale and cached[1] is domain:
        return cached[2]
    translations = get_translations()  # sets babel_locale and babel_domain when missing
    setattr(
        babel_context,
        _CACHE,
        (babel_context.babel_locale, babel_context.babel_domain, translations),
    )
    return translations


# The functions below are Jinja's newstyle wrappers (jinja2.ext._make_new_gettext and
# _make_new_ngettext) with the translations looked up directly, not through
# `Context.call` of a callable: the translation is Markup under autoescaping, and always
# formatted with its variables (`%%` is a percent sign even without any).


@pass_context
def template_gettext(context: Context, string: str, /, **variables: Any) -> str:
    """The translation of `string` in the page's (or the mail's) language."""
    translated = _translations().ugettext(string)
    if context.eval_ctx.autoescape:
        translated = Markup(translated)  # noqa: S704 - our catalogue, as Jinja does
    return translated % variables


@pass_context
def template_ngettext(
    context: Context, singular: str, plural: str, number: int, /, **variables: Any
) -> str:
    """The singular or plural translation for `number` (`%(num)d` by default)."""
    variables.setdefault("num", number)
    translated = _translations().ungettext(singular, plural, number)
    if context.eval_ctx.autoescape:
        translated = Markup(translated)  # noqa: S704 - our catalogue, as Jinja does
    return translated % variables


def gettext(string: str, **variables: Any) -> str:
    """flask_babel.gettext: the translation, formatted with `variables` when any are given."""
    translated = _translations().ugettext(string)
    return translated % variables if variables else translated


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """flask_babel.ngettext: the singular or plural translation, formatted (`num` included)."""
    variables.setdefault("num", num)
    return _translations().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """flask_babel.lazy_gettext: translated (by `gettext` above) each time it is used."""
    return LazyString(gettext, string, **variables)


def _pgettext(context: str, string: str) -> str:
    return _translations().upgettext(context, string)


def _npgettext(context: str, singular: str, plural: str, number: int) -> str:
    return _translations().unpgettext(context, singular, plural, number)


def install(app: Flask) -> None:
    """Replace Flask-Babel's template callables (installed by `babel.init_app`) with these."""
    env = app.jinja_env
    env.install_gettext_callables(
        # The newstyle flag and the pgettext wrappers; gettext and ngettext replaced below.
        gettext=lambda string: _translations().ugettext(string),
        ngettext=lambda singular, plural, number: _translations().ungettext(
            singular, plural, number
        ),
        newstyle=True,
        pgettext=_pgettext,
        npgettext=_npgettext,
    )
    # `_` is Jinja's alias resolving "gettext" from the template's context on every call.
    env.globals.update(gettext=template_gettext, ngettext=template_ngettext, _=template_gettext)
