"""A form sent after its CSRF token (or the session holding it) expired: what was typed is
offered again, with a fresh token, instead of being lost.

Flask-WTF refuses such a POST before the view runs. The page it gets instead lists the typed
fields and re-posts them to the same URL when the person presses « Envoyer à nouveau »: never
by itself, and only for a POST the browser says came from one of our own pages (a cross-site
POST gets the plain error page, so this is no way round the token). Secrets are never written
back into the page: they are typed again there, and a file is chosen again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlsplit

from flask import current_app, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from wtforms import BooleanField, Field, FileField, PasswordField
from wtforms.fields.choices import SelectFieldBase

# Every secret a form of the app carries, by name (tests/web/test_expired_forms.py checks
# that every PasswordField is here): passwords, trust answers, activation codes, the token.
SECRET_FIELD_NAMES = frozenset(
    {
        "password",
        "password_confirm",
        "current_password",
        "new_password",
        "new_password_confirm",
        "trust_answer",
        "answer",
        "code",
        "csrf_token",
    }
)
KEPT_FORM_ATTRIBUTE = "kept_form"
TOKEN_FIELD = "csrf_token"  # noqa: S105 - a field name

View = TypeVar("View", bound=Callable)


def keeps_on_expiry(form_class: type[FlaskForm] = FlaskForm) -> Callable[[View], View]:
    """Mark a POST view with the form it receives: sent too late, it is offered again."""

    def mark(view: View) -> View:
        setattr(view, KEPT_FORM_ATTRIBUTE, form_class)
        return view

    return mark


@dataclass(frozen=True)
class KeptField:
    """A typed field sent again as it was: its label, what the summary shows, its values."""

    name: str
    label: str
    shown: str
    values: list[str]


@dataclass
class ExpiredForm:
    """What the « Envoyer à nouveau » page needs: where to post, what is kept, what is not."""

    action: str
    kept: list[KeptField] = field(default_factory=list)
    retyped: list[Field] = field(default_factory=list)  # secrets, typed again on the page
    files: list[Field] = field(default_factory=list)  # uploads, chosen again on the page


def is_secret(form_field: Field) -> bool:
    """A field whose value never goes back into a page."""
    return isinstance(form_field, PasswordField) or form_field.short_name in SECRET_FIELD_NAMES


def from_our_pages() -> bool:
    """Whether the browser says this POST came from one of our own pages (no header: no)."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    ours = (request.scheme, request.host)
    for header in ("Origin", "Referer"):
        value = request.headers.get(header)
        if value:
            sender = urlsplit(value)
            return (sender.scheme, sender.netloc) == ours
    return False


def expired_form(error: CSRFError) -> ExpiredForm | None:
    """The page's content for this refused POST, or None for the plain error page."""
    if (
        request.method != "POST"
        or request.endpoint is None
        # A Referer refused over HTTPS would be refused again: sending again cannot help.
        or "referrer" in (error.description or "")
        or not from_our_pages()
    ):
        return None
    view = current_app.view_functions.get(request.endpoint)
    form_class = getattr(view, KEPT_FORM_ATTRIBUTE, None)
    if form_class is None:
        return None
    # Only this form's own fields are kept; a prefixed form is known by its token's name.
    form = form_class(formdata=None, prefix=_posted_prefix(), meta={"csrf": False})
    page = ExpiredForm(action=url_for(request.endpoint, **(request.view_args or {})))
    for form_field in form:
        if isinstance(form_field, FileField):
            if form_field.name in request.files:
                page.files.append(form_field)
        elif is_secret(form_field):
            if form_field.name in request.form:
                page.retyped.append(form_field)
        elif values := request.form.getlist(form_field.name):
            shown = _shown(form_field, values)
            page.kept.append(KeptField(form_field.name, form_field.label.text, shown, values))
    return page


def _posted_prefix() -> str:
    for name in request.form:
        if name.endswith("-" + TOKEN_FIELD):
            return name[: -len("-" + TOKEN_FIELD)]
    return ""


def _shown(form_field: Field, values: list[str]) -> str:
    """The values as the form showed them: a choice's label, « Oui » for a ticked box."""
    if isinstance(form_field, BooleanField):
        ticked = any(value not in form_field.false_values for value in values)
        return _("Oui") if ticked else _("Non")
    if isinstance(form_field, SelectFieldBase):
        labels = {str(choice.value): str(choice.label) for choice in form_field.iter_choices()}
        values = [labels.get(value, value) for value in values]
    return ", ".join(value for value in values if value)
