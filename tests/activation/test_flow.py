"""Confirm → mail received → code read from the mail → activation → subscriber number."""

import re

from sqlalchemy import select

from tests.support import code_from, csrf_token
from web.extensions import db
from web.models import Registration, RegistrationState


def activate(client, email, code, follow=True):
    page = client.get("/activation/")
    return client.post(
        "/activation/",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "email": email,
            "code": code,
        },
        follow_redirects=follow,
    )


def test_code_from_the_mail_activates_the_space_and_issues_a_number(
    app, client, wizard, outbox, run_worker
):
    wizard.complete(email="helene.lefevre@example.com")
    run_worker()

    assert len(outbox) == 1
    mail = outbox[0]
    assert mail["To"] == "helene.lefevre@example.com"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Ce code n'est pas un mot de passe" in text
    assert "heure de Paris" in text
    code = code_from(mail)

    page = activate(client, "HELENE.lefevre@example.com", code.lower().replace("-", " "))
    html = page.get_data(as_text=True)
    assert "Votre inscription a été réalisée le" in html
    number = re.search(r'class="subscriber-number">(\d+)<', html).group(1)
    with app.app_context():
        registration = db.session.scalar(select(Registration))
        assert registration.state == RegistrationState.ACTIVE
        assert registration.subscriber_number == number
    assert len(number) == 14 and number.endswith("0000001")


def test_a_code_works_only_once(app, client, wizard, outbox, run_worker):
    wizard.complete()
    run_worker()
    code = code_from(outbox[0])
    activate(client, "helene.lefevre@example.com", code)
    again = activate(app.test_client(), "helene.lefevre@example.com", code)
    assert "n'est plus valable" in again.get_data(as_text=True)
