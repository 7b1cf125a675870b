"""Durations in words, in the page's (or the mail's) language: « 48 heures », « 1 heure et
30 minutes ». The activation code's validity is said this way everywhere, from its setting."""

from __future__ import annotations

from flask import current_app

from web.core.translations import gettext as _
from web.core.translations import ngettext


def duration_in_words(seconds: int) -> str:
    """Hours, minutes and seconds, each singular or plural, zeros left out."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(num)d heure", "%(num)d heures", hours))
    if minutes:
        parts.append(ngettext("%(num)d minute", "%(num)d minutes", minutes))
    if seconds or not parts:
        parts.append(ngettext("%(num)d seconde", "%(num)d secondes", seconds))
    if len(parts) == 1:
        return parts[0]
    return _("%(first)s et %(last)s", first=", ".join(parts[:-1]), last=parts[-1])


def activation_validity() -> str:
    """How long an activation code stays valid (ACTIVATION_CODE_TTL_SECONDS), in words."""
    return duration_in_words(current_app.config["ACTIVATION_CODE_TTL_SECONDS"])
