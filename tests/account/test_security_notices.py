"""Every security-relevant change mails the login address: what changed, when (Paris time),
from which IP (partly masked), what to do if it was not them; and every notice ends with
absolute links to the login and recovery pages."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from mailer.render import render_mail
from tests.support import EMAIL, PASSWORD, log_in, post_form, text_of
from web.core.notices import NOTICES
from web.models import MailKind

CONTACT = {
    "phone": "+33 6 12 34 56 78",
    "contact_email": "cabinet@example.com",
    "street_number": "3",
    "street_type": "avenue",
    "street_name": "des Tilleuls",
    "address_complement": "",
    "postal_code": "75011",
    "city": "Paris",
    "country": "FR",
}
WHEN = re.compile(r"(?i)le \d{1,2} \w+ \d{4} à \d\d:\d\d \(heure de Paris\)")
LINKS = (
    "/espace/connexion",
    "/recuperation/mot-de-passe",
    "/recuperation/numero",
)


def one_line(mail) -> str:
    return " ".join(text_of(mail).split())


def assert_a_security_notice(mail, what: str, ip: str = "198.51.x.x") -> None:
    text = one_line(mail)
    assert mail["To"] == EMAIL
    assert what in text
    assert WHEN.search(text), text
    assert f"Depuis l'adresse IP : {ip} (masquée en partie)." in text
    assert "198.51.100.23" not in text and "198.51.100.23" not in str(mail)
    assert "Si ce n'est pas vous" in text
    for path in LINKS:
        assert re.search(rf"https?://[^\s]+{re.escape(path)}\b", text), path


@pytest.fixture
def space(client, subscriber):
    client.environ_base["REMOTE_ADDR"] = "198.51.100.23"
    log_in(client)
    return client


def test_changed_contact_details_are_notified(space, outbox, run_worker):
    post_form(space, "/espace/coordonnees", CONTACT)
    run_worker()

    (mail,) = outbox
    assert mail["Subject"] == "Vos coordonnées espace-pro ont été modifiées"
    assert_a_security_notice(mail, "Les coordonnées de votre espace abonné espace-pro")


def test_saving_unchanged_contact_details_mails_nothing(space, outbox, run_worker):
    post_form(space, "/espace/coordonnees", CONTACT)
    run_worker()
    outbox.clear()

    post_form(space, "/espace/coordonnees", CONTACT)
    run_worker()

    assert outbox == []


def test_a_changed_trust_question_is_notified(space, outbox, run_worker):
    post_form(
        space,
        "/espace/question-de-confiance",
        {
            "current_password": PASSWORD,
            "trust_question": "favourite_book",
            "trust_answer": "Vingt mille lieues",
        },
    )
    run_worker()

    (mail,) = outbox
    assert mail["Subject"] == "Votre question de confiance espace-pro a été modifiée"
    assert_a_security_notice(mail, "La question de confiance de votre espace abonné")
    assert "Vingt mille lieues" not in str(mail)


def test_a_changed_password_is_notified_with_the_masked_ip(space, outbox, run_worker):
    post_form(
        space,
        "/espace/mot-de-passe",
        {
            "current_password": PASSWORD,
            "new_password": "Heron58Quartz",
            "new_password_confirm": "Heron58Quartz",
        },
    )
    run_worker()

    (mail,) = outbox
    assert_a_security_notice(mail, "Le mot de passe de votre espace abonné espace-pro a été")
    assert "Heron58Quartz" not in str(mail)


def test_a_refused_change_mails_nothing(space, outbox, run_worker):
    post_form(
        space,
        "/espace/question-de-confiance",
        {
            "current_password": "Mauvais99Mot",
            "trust_question": "favourite_book",
            "trust_answer": "x",
        },
    )
    run_worker()

    assert outbox == []


@pytest.mark.parametrize(
    "kind",
    sorted(set(NOTICES) - {MailKind.EMAIL_CHANGE_CODE}),  # the code goes to a new mailbox
)
def test_every_notice_ends_with_absolute_links_to_log_in_and_recover(app: Flask, kind, subscriber):
    notice = NOTICES[kind]
    context = {
        "what": notice.what or "",
        "event_at": subscriber.created_at,
        "ip": "",
        "detail": "",
        "reset_url": "https://espace-pro.example.com/x",
        "login_url": "https://espace-pro.example.com/espace/connexion",
    }
    with app.app_context():
        app.config["PUBLIC_URL"] = "https://espace-pro.example.com"
        message = render_mail(
            "security_notice" if notice.event else kind.value,
            subject=notice.subject,
            recipient=EMAIL,
            registration=subscriber,
            **context,
        )

    for part in (message.body, message.html):
        for path in LINKS:
            assert f"https://espace-pro.example.com{path}" in part, (kind, path)
    assert "Se connecter" in message.body and "Numéro d'abonné oublié" in message.body


def test_the_already_registered_mail_links_to_the_pages_it_names(app: Flask, subscriber):
    with app.app_context():
        app.config["PUBLIC_URL"] = "https://espace-pro.example.com"
        message = render_mail(
            "already_registered",
            subject="x",
            recipient=EMAIL,
            registration=subscriber,
            active=True,
            login_url="https://espace-pro.example.com/espace/connexion",
            new_code_url="https://espace-pro.example.com/activation/nouveau-code",
        )

    text = " ".join(message.body.split())
    assert "« Mot de passe oublié » ou « Numéro d'abonné oublié » ci-dessous" in text
    assert "Mot de passe oublié : https://espace-pro.example.com/recuperation/mot-de-passe" in text
    assert "Numéro d'abonné oublié : https://espace-pro.example.com/recuperation/numero" in text
    assert "sur cette même page" not in text
