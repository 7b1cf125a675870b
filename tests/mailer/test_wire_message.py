"""The mails are written for the wire by WireMessage (mailer/render.py, issue 17): what a
mail client reads is what Flask-Mail's own writing gives, for every language and for
headers and bodies outside ASCII."""

from __future__ import annotations

import email
from email import policy

import pytest
from flask_mail import Message

from mailer.render import WireMessage

BODIES = [
    ("Votre code d'activation espace-pro", "Bonjour,\nVotre code : 123456\n", "<p>Code</p>"),
    (
        "Réinitialisation de votre mot de passe — espace-pro, « Sécurité » éàü",
        "Bonjour Hélène Lefèvre,\r\nligne avec un point\n.\nfin " + "é" * 300,
        "<p>Madame Lefèvre</p>\n" * 50,
    ),
    ("A subject long enough to be folded " * 4, "x" * 1000, "<p>" + "y" * 1000 + "</p>"),
]


def _read(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=policy.default)


def _seen(message: email.message.EmailMessage) -> dict:
    """What a mail client shows and uses."""
    return {
        "subject": message["Subject"],
        "from": message["From"],
        "to": message["To"],
        "auto": message["Auto-Submitted"],
        "message_id": message["Message-ID"],
        "date": message["Date"],
        "structure": [part.get_content_type() for part in message.walk()],
        "text": message.get_body(("plain",)).get_content(),
        "html": message.get_body(("html",)).get_content(),
        "charsets": [part.get_content_charset() for part in message.walk()][2:],
        "encodings": [part["Content-Transfer-Encoding"] for part in message.walk()],
    }


@pytest.mark.parametrize(("subject", "body", "html"), BODIES)
def test_a_client_reads_what_flask_mail_writes(app, subject, body, html):
    fields = {
        "subject": subject,
        "recipients": ["helene.lefevre@exämple.com"],
        "body": body,
        "html": html,
        "date": 1_765_000_000.0,
        "extra_headers": {"Auto-Submitted": "auto-generated"},
    }
    with app.app_context():
        app.extensions["mail"].default_sender = "espace-pro Équipe <ne-pas-repondre@example.com>"
        ours, theirs = WireMessage(**fields), Message(**fields)
        ours.msgId = theirs.msgId
        raw = ours.as_bytes()
        expected = _seen(_read(theirs.as_bytes()))
    assert _seen(_read(raw)) == expected
    # On the wire: CRLF line ends only (smtplib sends bytes as they are).
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_each_mail_has_its_own_boundaries(app):
    with app.app_context():
        raws = [
            WireMessage(subject="s", recipients=["a@example.com"], body="b", html="h").as_bytes()
            for _ in range(2)
        ]
    boundaries = [
        {part.get_boundary() for part in _read(raw).walk() if part.is_multipart()} for raw in raws
    ]
    assert all(len(found) == 2 for found in boundaries)
    assert not boundaries[0] & boundaries[1]


def test_a_local_part_outside_ascii_is_refused_as_flask_mail_refuses_it(app):
    """mailer/smtp.py turns this error into a permanent failure, as before."""
    with app.app_context():
        message = WireMessage(subject="s", recipients=["hélène@example.com"], body="b", html="h")
        with pytest.raises(UnicodeError):
            message.as_bytes()


def test_other_mails_go_flask_mails_way(app):
    """A plain-text mail (no HTML part) is written by Flask-Mail itself."""
    with app.app_context():
        raw = WireMessage(subject="s", recipients=["a@example.com"], body="texte").as_bytes()
    assert _read(raw).get_content_type() == "text/plain"


def test_mail_templates_look_their_texts_up_in_the_languages_catalogue(app):
    """`_()` and `gettext()` in a mail are the catalogue's own, bound once per language
    (mailer/render.py), and the app's pages keep theirs."""
    from flask_babel import force_locale

    from mailer.render import _environment

    with app.app_context():
        pages = dict(app.jinja_env.globals)
        for language, expected in (("en", "Skip to content"), ("fr", "Aller au contenu")):
            with force_locale(language):
                env = _environment(language)
            assert env.globals["_"] is env.globals["gettext"]
            assert env.from_string("{{ _('Aller au contenu') }}").render() == expected
        assert {name: app.jinja_env.globals[name] for name in pages} == pages
