"""No header injection in mails: a line break in a name, an address or a subject never adds
a header (Bcc, Cc…) nor a recipient; the forms refuse it with a French message."""

from __future__ import annotations

import pytest
from flask_mail import BadHeaderError, Message

from mailer.render import render_mail
from mailer.smtp import deliver
from tests.hostile.strategies import BCC_INJECTION
from tests.support import EMAIL, PASSWORD, log_in, page_token, post_form
from tests.web.pages import refusal
from web.extensions import db
from web.models import Dossier

ATTACKER = "attacker@example.com"
FORBIDDEN_CHARACTER = "Ce champ contient un caractère non autorisé."
NEW_PASSWORD = "Heron58Quartz"


def assert_delivered_to_owner_only(message, owner: str) -> None:
    """The received mail: no Bcc or Cc header, one To, and an envelope to the owner only."""
    headers = {name.lower() for name in message}
    assert not headers & {"bcc", "cc", "resent-to", "resent-bcc"}
    assert message.get_all("To") == [owner]
    assert message["X-Envelope-To"] == owner
    raw_headers = "".join(f"{name}: {value}\n" for name, value in message.items())
    assert ATTACKER not in raw_headers


@pytest.mark.parametrize(
    "field", ["last_name", "first_name", "street_name", "address_complement", "city"]
)
def test_a_line_break_with_a_bcc_header_is_refused_in_every_sign_up_field(wizard, draft, field):
    wizard.accept_terms()
    wizard.credentials()

    response = wizard.profile(**{field: "Lefèvre" + BCC_INJECTION})

    assert FORBIDDEN_CHARACTER in refusal(response, field)
    assert draft()["profile"] == {}


@pytest.mark.parametrize("field", ["email", "email_confirm"])
def test_an_address_carrying_a_bcc_header_is_refused_at_step_2(wizard, draft, field):
    wizard.accept_terms()
    values = {"email": EMAIL, "confirm_email": EMAIL}
    values["email" if field == "email" else "confirm_email"] = EMAIL + BCC_INJECTION

    response = wizard.credentials(**values)

    assert FORBIDDEN_CHARACTER in refusal(response, field)
    assert draft()["email"] is None


def test_the_activation_mail_goes_to_its_owner_only_after_an_injection_attempt(
    wizard, outbox, run_worker
):
    wizard.accept_terms()
    wizard.credentials(email=EMAIL)
    refused = wizard.profile(
        last_name="Lefèvre" + BCC_INJECTION, first_name="Hélène" + BCC_INJECTION
    )
    assert FORBIDDEN_CHARACTER in refusal(refused, "last_name")

    wizard.profile()
    wizard.confirm()
    run_worker()

    (mail,) = outbox
    assert_delivered_to_owner_only(mail, EMAIL)


def test_a_dossier_label_with_a_bcc_header_stays_on_one_line_and_reaches_no_mail(
    app, client, subscriber, outbox, run_worker
):
    log_in(client)
    added = post_form(
        client,
        "/espace/dossiers/ajouter",
        {"siren": "732829320", "label": "Martin" + BCC_INJECTION},
    )
    assert added.status_code == 302
    with app.app_context():
        (dossier,) = db.session.scalars(db.select(Dossier))
        assert dossier.label == "Martin Bcc: attacker@example.com"

    # A mail to the subscriber now that the label is stored: the password-change notice.
    page = client.get("/espace/mot-de-passe").get_data(as_text=True)
    changed = client.post(
        "/espace/mot-de-passe",
        data={
            "csrf_token": page_token(page),
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302
    run_worker()

    (mail,) = outbox
    assert_delivered_to_owner_only(mail, EMAIL)


@pytest.mark.parametrize(
    ("recipient", "subject"),
    [
        (EMAIL + BCC_INJECTION, "Votre code d'activation espace-pro"),
        (EMAIL + "\nBcc: attacker@example.com", "Votre code d'activation espace-pro"),
        (EMAIL, "Votre code d'activation" + BCC_INJECTION),
        (EMAIL, "Votre code d'activation\nBcc: attacker@example.com"),
        (EMAIL, "Votre code d'activation\u2028Bcc: attacker@example.com"),
        (EMAIL + "\x00", "Votre code d'activation espace-pro"),
    ],
    ids=[
        "recipient-crlf",
        "recipient-lf",
        "subject-crlf",
        "subject-lf",
        "subject-u2028",
        "recipient-nul",
    ],
)
def test_the_mailer_refuses_to_build_a_mail_whose_headers_would_break(
    app, outbox, recipient, subject
):
    with app.app_context(), pytest.raises(ValueError, match="control character"):
        render_mail(
            "subscriber_number",
            subject=subject,
            recipient=recipient,
            registration=None,
            login_url="http://espace-pro.example.com/",
        )

    assert outbox == []


@pytest.mark.parametrize(
    ("recipient", "subject"),
    [(EMAIL + BCC_INJECTION, "Code"), (EMAIL, "Code" + BCC_INJECTION)],
    ids=["recipient", "subject"],
)
def test_a_mail_built_around_the_renderer_is_still_not_sent_with_a_broken_header(
    app, outbox, recipient, subject
):
    # Flask-Mail's own check, the last line should a mail ever be built another way.
    with app.app_context():
        message = Message(subject=subject, recipients=[recipient], body="Bonjour")
        with pytest.raises(BadHeaderError):
            deliver(message)

    assert outbox == []
