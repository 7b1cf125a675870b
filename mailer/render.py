"""Rendering mails from `.txt` + `.html` template pairs, with the app's filters."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask_mail import Message
from jinja2 import Environment, FileSystemLoader

TEMPLATES = Path(__file__).parent / "templates"


def _environment() -> Environment:
    """The app's Jinja environment (filters, gettext), loading mail templates."""
    extensions = current_app.extensions
    if "mail_jinja" not in extensions:
        extensions["mail_jinja"] = current_app.jinja_env.overlay(
            loader=FileSystemLoader(TEMPLATES)
        )
    return extensions["mail_jinja"]


def render_mail(name: str, subject: str, recipient: str, **context) -> Message:
    """A multipart (text + HTML) French mail from templates `name.txt` and `name.html`."""
    env = _environment()
    context = {"subject": subject, **context}
    message = Message(
        subject=subject,
        recipients=[recipient],
        body=env.get_template(f"{name}.txt").render(**context),
        html=env.get_template(f"{name}.html").render(**context),
        extra_headers={"Auto-Submitted": "auto-generated"},
    )
    return message
