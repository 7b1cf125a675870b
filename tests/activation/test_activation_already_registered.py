"""An address that already has a space: the same pages as a new sign-up, and its owner gets
an "already registered" mail (no code) instead; the existing space is left as it was."""

from __future__ import annotations

import re

from tests.activation.helpers import (
    ANY_CODE_PATTERN,
    EMAIL,
    activate,
    activated_number,
    html_of,
    mails_to,
    text_of,
)
from tests.support import WizardActions
from tests.web.pages import Page
from web.models import MailKind, Registration, RegistrationState

NOTICE_SUBJECT = "Votre demande de création d'espace espace-pro"
DEADLINE = re.compile(r"\d{1,2} \w+ \d{4} à \d{2}:\d{2}")


def waiting_text(response) -> str:
    """The waiting page's content, its deadline blanked (it depends on the second)."""
    page = Page(response)
    assert page.h1 == "Activation de votre espace abonné"
    return DEADLINE.sub("DEADLINE", page.text)


def assert_no_code(mail) -> None:
    for part in (text_of(mail), html_of(mail)):
        assert not ANY_CODE_PATTERN.search(part), part


def test_sign_up_with_an_active_address_shows_the_same_waiting_page_and_mails_a_notice(
    app, run_worker, outbox, count, registration, outbox_rows
):
    first = WizardActions(app.test_client())
    first_page = first.complete(email=EMAIL)
    run_worker()
    code = outbox[0]
    number = activated_number(
        activate(app.test_client(), EMAIL, re.search(ANY_CODE_PATTERN, text_of(code)).group(0))
    )
    assert number is not None

    second_page = WizardActions(app.test_client()).complete(email=EMAIL)
    run_worker()

    assert second_page.status_code == first_page.status_code == 200
    assert waiting_text(second_page) == waiting_text(first_page)
    (notice,) = mails_to(outbox, EMAIL)[1:]
    assert notice["Subject"] == NOTICE_SUBJECT
    assert "Cette adresse est déjà celle d'un espace abonné actif" in text_of(notice)
    assert "aucun nouvel espace n'a donc été créé" in Page(html_of(notice)).root.text
    assert_no_code(notice)
    assert count(Registration) == 1
    space = registration()
    assert space.state == RegistrationState.ACTIVE
    assert space.subscriber_number == number
    assert [row.kind for row in outbox_rows()] == [
        MailKind.ACTIVATION_CODE,
        MailKind.ALREADY_REGISTERED,
    ]


def test_sign_up_with_a_pending_address_mails_a_notice_and_keeps_the_first_code(
    app, sign_up, run_worker, outbox, count, registration
):
    first_client = app.test_client()
    code = sign_up(EMAIL, client=first_client)
    first_page = first_client.get("/inscription/attente")

    second_page = WizardActions(app.test_client()).complete(email=EMAIL)
    run_worker()

    assert waiting_text(second_page) == waiting_text(first_page)
    (notice,) = mails_to(outbox, EMAIL)[1:]
    assert notice["Subject"] == NOTICE_SUBJECT
    assert "Une inscription est déjà en attente d'activation pour cette adresse" in text_of(notice)
    assert "http://espace-pro.example.com/activation/nouveau-code" in text_of(notice)
    assert_no_code(notice)
    assert count(Registration) == 1
    # The earlier code was not invalidated by the second sign-up.
    assert activated_number(activate(app.test_client(), EMAIL, code)) is not None
    assert registration().state == RegistrationState.ACTIVE


def test_sign_up_with_a_pending_address_in_other_case_is_the_same_address(
    app, sign_up, run_worker, outbox, count
):
    code = sign_up(EMAIL)

    WizardActions(app.test_client()).complete(email=EMAIL.upper())
    run_worker()

    assert count(Registration) == 1
    assert len(mails_to(outbox, EMAIL)) == 2
    assert_no_code(outbox[-1])
    assert activated_number(activate(app.test_client(), EMAIL, code)) is not None


def test_second_sign_up_before_the_first_code_is_sent_keeps_one_valid_code(
    app, run_worker, outbox, count
):
    WizardActions(app.test_client()).complete(email=EMAIL)
    WizardActions(app.test_client()).complete(email=EMAIL)

    run_worker()

    assert count(Registration) == 1
    codes = [ANY_CODE_PATTERN.search(text_of(mail)) for mail in outbox]
    assert sorted(match is not None for match in codes) == [False, True]
    (code,) = [match.group(0) for match in codes if match]
    assert activated_number(activate(app.test_client(), EMAIL, code)) is not None
