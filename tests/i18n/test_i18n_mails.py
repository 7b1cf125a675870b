"""Every mail, for a subscriber who chose English, is in English: subject, text and HTML.

The worker has no request: a mail speaks the language stored on the registration (the
sign-up's, then the last login's or switch's), whoever asked for it.
"""

from __future__ import annotations

import re

from tests.i18n.english import EMAIL, PROFILE, english_browser, english_mail, sign_up_in_english
from tests.support import PASSWORD, WizardActions, code_from, post_form

LINK = re.compile(r"https?://\S+/recuperation/reinitialiser\?jeton=[^\s\"<>]+")
DEADLINE = re.compile(r"valid until \d{1,2} [A-Z][a-z]+ \d{4} at \d\d:\d\d \(Paris time\)\.")


def only(outbox: list, subject: str):
    mails = [mail for mail in outbox if mail["Subject"] == subject]
    assert len(mails) == 1, [mail["Subject"] for mail in outbox]
    return mails[0]


def test_the_activation_code_mail_is_in_english(app, english, outbox, run_worker):
    sign_up_in_english(english)
    run_worker()

    mail = only(outbox, "Your espace-pro activation code")
    text, html = english_mail(mail, "Here is the activation code for your espace-pro")
    for part in (text, html):
        assert DEADLINE.search(part), part
        assert "This code is not a password." in part
    assert "espace-pro — automatic email, please do not reply." in text
    assert "Activate your subscriber space" in html
    assert code_from(mail)


def test_the_already_registered_mails_are_in_english(app, english_subscriber, outbox, run_worker):
    pending = "bob.smith@example.com"
    sign_up_in_english(english_browser(app), email=pending)
    run_worker()
    outbox.clear()

    sign_up_in_english(english_browser(app))  # the address of an active space
    sign_up_in_english(english_browser(app), email=pending)  # one awaiting activation
    run_worker()

    notices = {
        mail["To"]: mail
        for mail in outbox
        if mail["Subject"] == "Your request to create an espace-pro space"
    }
    assert set(notices) == {EMAIL, pending}
    text, _html = english_mail(notices[EMAIL], "This address already belongs to an active")
    assert "“Forgotten password” or “Forgotten subscriber number”" in text
    _text, html = english_mail(notices[pending], "already awaiting activation")
    assert "ask for a new code" in html


def test_the_password_changed_mail_is_in_english(
    app, english, english_subscriber, outbox, run_worker
):
    post_form(
        english,
        "/espace/mot-de-passe",
        {
            "current_password": PASSWORD,
            "new_password": "Otter77River",
            "new_password_confirm": "Otter77River",
        },
    )
    run_worker()

    mail = only(outbox, "Your espace-pro password has been changed")
    text, _html = english_mail(mail, "Your other sessions have been closed.")
    assert re.search(r"was changed on \d{1,2} [A-Z][a-z]+ \d{4} at \d\d:\d\d \(Paris time\)", text)


def test_the_recovery_mails_are_in_english(app, english_subscriber, outbox, run_worker):
    browser = english_browser(app)
    post_form(browser, "/recuperation/numero", {"email": EMAIL})
    post_form(
        browser,
        "/recuperation/mot-de-passe",
        {"email": EMAIL, "subscriber_number": english_subscriber.subscriber_number},
    )
    run_worker()

    number = only(outbox, "Your espace-pro subscriber number")
    text, _html = english_mail(number, "You asked to receive your espace-pro subscriber number")
    assert english_subscriber.subscriber_number in text
    link = only(outbox, "Resetting your espace-pro password")
    text, html = english_mail(link, "valid for one hour and can be used only once")
    assert "Choose a new password" in html

    outbox.clear()
    browser.get(LINK.search(text).group(0).split("espace-pro.example.com", 1)[1])
    post_form(browser, "/recuperation/reinitialiser", {"answer": PROFILE["trust_answer"]})
    post_form(
        browser,
        "/recuperation/nouveau-mot-de-passe",
        {"new_password": "Otter77River", "new_password_confirm": "Otter77River"},
    )
    run_worker()
    reset = only(outbox, "Your espace-pro password has been reset")
    english_mail(reset, "after your security question was answered")


def test_mails_speak_the_recipients_language_not_the_askers(app, client, outbox, run_worker):
    WizardActions(client).complete(email=EMAIL)  # signed up in French
    run_worker()
    post_form(client, "/activation/", {"email": EMAIL, "code": code_from(outbox[0])})
    outbox.clear()

    post_form(english_browser(app), "/recuperation/numero", {"email": EMAIL})
    run_worker()

    (mail,) = outbox
    assert mail["Subject"] == "Votre numéro d'abonné espace-pro"
    assert "Vous avez demandé à recevoir" in mail.get_body(("plain",)).get_content()
    assert '<html lang="fr">' in mail.get_body(("html",)).get_content()


def test_logging_in_in_english_makes_the_next_mails_english(app, client, outbox, run_worker):
    WizardActions(client).complete(email=EMAIL)
    run_worker()
    post_form(client, "/activation/", {"email": EMAIL, "code": code_from(outbox[0])})
    outbox.clear()
    browser = english_browser(app)
    post_form(browser, "/espace/connexion", {"email": EMAIL, "password": PASSWORD})

    post_form(browser, "/recuperation/numero", {"email": EMAIL})
    run_worker()

    english_mail(only(outbox, "Your espace-pro subscriber number"), "Here it is:")
