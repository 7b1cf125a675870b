"""« Numéro d'abonné oublié »: mailed to an active space's address; otherwise same page, no mail."""

from __future__ import annotations

from tests.account.spaces import browser, page, text_of, without_csrf
from tests.support import EMAIL, post_form
from tests.web.journeys import sign_up_in_new_browser

URL = "/recuperation/numero"
SENT = (
    "Si l'adresse {} est celle d'un espace abonné actif, votre numéro d'abonné vient de "
    "lui être envoyé par courriel."
)


def ask(app, email: str):
    return post_form(browser(app), URL, {"email": email})


def test_the_number_of_an_active_space_is_mailed_to_its_address(
    app, subscriber, outbox, run_worker
):
    response = ask(app, "Helene.Lefevre@Example.com")

    assert SENT.format(EMAIL) in page(response)
    run_worker()
    (mail,) = outbox
    assert mail["To"] == EMAIL
    assert mail["Subject"] == "Votre numéro d'abonné espace-pro"
    assert subscriber.subscriber_number in text_of(mail)


def test_an_unknown_address_gets_the_same_page_and_no_mail(app, subscriber, outbox, run_worker):
    known = ask(app, EMAIL)
    run_worker()
    outbox.clear()

    unknown = ask(app, "personne@example.com")

    assert unknown.status_code == known.status_code == 200
    assert without_csrf(page(unknown)) == without_csrf(page(known)).replace(
        EMAIL, "personne@example.com"
    )
    run_worker()
    assert outbox == []


def test_a_space_not_yet_activated_gets_no_number(app, subscriber, outbox, run_worker):
    sign_up_in_new_browser(app, "marc.dupont@example.com")
    run_worker()
    outbox.clear()

    response = ask(app, "marc.dupont@example.com")

    assert SENT.format("marc.dupont@example.com") in page(response)
    run_worker()
    assert outbox == []


def test_the_number_reminders_share_the_hourly_cap_of_recovery_mails(
    app, subscriber, outbox, run_worker
):
    for _ in range(4):
        ask(app, EMAIL)
        run_worker()

    assert len(outbox) == 3
