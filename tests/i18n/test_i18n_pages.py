"""Every page, walked in English with and without errors, shows no French of ours.

The visitor chose English with the switch; the identity typed in is ASCII-only (Ann Jones),
so any French on a page is a string someone forgot to translate.
"""

from __future__ import annotations

import mailbox
import re
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
import time_machine
from flask.testing import FlaskClient

from tests.i18n.english import (
    EMAIL,
    PROFILE,
    assert_english,
    english_browser,
    english_page,
    pdf_text,
    sign_up_in_english,
)
from tests.support import PASSWORD, WizardActions, code_from, post_form

LINK = re.compile(r"https?://\S+/recuperation/reinitialiser\?jeton=[^\s\"<>]+")
ANY_CSRF = re.compile(r'name="[\w-]*csrf_token"[^>]*value="([^"]+)"')


def token_of(client: FlaskClient, url: str) -> str:
    """A CSRF token from any form of a page (prefixed forms included)."""
    match = ANY_CSRF.search(client.get(url).get_data(as_text=True))
    assert match, f"no form on {url}"
    return match.group(1)


def test_public_pages_are_in_english(english):
    english_page(english.get("/"), "Professionals")
    english_page(english.get("/creer-mon-espace"), "Step 1: accept the terms of use")
    terms = english_page(english.get("/conditions-generales"), "Terms of use")
    assert "These general terms of use govern" in terms
    assert "Back to step 1" in terms


def test_the_wizard_in_english_with_and_without_errors(english):
    wizard = WizardActions(english)
    english_page(english.get("/inscription/etape-1"), "Step 1: accept the terms of use")
    text = english_page(wizard.post("/inscription/etape-1", {}), "You must first accept")
    assert "These general terms of use govern" in text  # the terms box, in English too
    wizard.accept_terms()

    english_page(english.get("/inscription/etape-2"), "Step 2: create your login details")
    refused = wizard.credentials(
        email=EMAIL, confirm_email="ann@example.com", password="short", confirm_password="other"
    )
    text = english_page(refused, "The form contains errors")
    assert "The two email addresses do not match." in text
    assert "The password must have at least 8 characters." in text
    assert "Email address: " not in text and "Confirm your email address: " in text
    text = english_page(
        wizard.credentials(email=EMAIL, password="annjones2024"), "The form contains errors"
    )
    assert "The password must not contain your email address." in text
    wizard.credentials(email=EMAIL)

    english_page(english.get("/inscription/etape-3"), "Step 3: fill in your registration form")
    mistakes = {
        **PROFILE,
        "last_name": "",
        "company_id": "732829321",
        "phone": "12",
        "postal_code": "7501",
        "trust_answer": "Jones",
        "street_number": "x12",
        "city": "",
    }
    text = english_page(wizard.post("/inscription/etape-3", mistakes), "The form contains errors")
    for message in (
        "Enter your surname.",
        "check the check digit",
        "The telephone number is not valid.",
        "The postcode must have 5 digits.",
        "The answer must not be your surname",
        "The street number is a number",
        "Enter your town or city.",
    ):
        assert message in text, message
    text = english_page(
        wizard.post(
            "/inscription/etape-3",
            {**PROFILE, "foreign_company": "y", "company_id": "é", "trust_answer": "ab"},
        ),
        "The form contains errors",
    )
    assert "2 to 30 characters" in text and "at least 3 characters" in text
    response = wizard.post("/inscription/etape-3", PROFILE)
    assert response.location.endswith("/inscription/confirmation")

    text = english_page(english.get("/inscription/confirmation"), "Confirm your registration")
    assert "What was the name of your first pet?" in text and "France" in text
    waiting = english_page(wizard.confirm(follow=True), "Activating your subscriber space")
    assert re.search(r"until \d{1,2} [A-Z][a-z]+ \d{4} at \d\d:\d\d \(Paris time\)", waiting)

    resent = english.post(
        "/inscription/attente/renvoyer",
        data={"csrf_token": token_of(english, "/inscription/attente")},
        follow_redirects=True,
    )
    english_page(resent, "A new activation code has just been sent to you.")
    resent = english.post(
        "/inscription/attente/renvoyer",
        data={"csrf_token": token_of(english, "/inscription/attente")},
        follow_redirects=True,
    )
    english_page(resent, "you can ask for a new one in")


def test_a_step_out_of_order_and_the_wizard_flash_are_in_english(english):
    response = english.get("/inscription/etape-3", follow_redirects=True)

    english_page(response, "Please complete step 1 first.")


def test_activation_pages_and_the_pdf_in_english(app, english, outbox, run_worker):
    sign_up_in_english(english)
    run_worker()
    (mail,) = outbox

    english_page(english.get("/activation/"), "Enter your email address and your activation code")
    text = english_page(
        post_form(english, "/activation/", {"email": EMAIL, "code": "AAAA-BBBB-CCCC"}),
        "The email address or the activation code is incorrect",
        status=200,
    )
    assert "ask for a new code" in text
    english_page(
        post_form(english, "/activation/", {"email": EMAIL, "code": "12"}),
        "The activation code has 12 letters and digits",
    )
    english_page(english.get("/activation/nouveau-code"), "Ask for a new activation code")
    english_page(
        post_form(english, "/activation/nouveau-code", {"email": EMAIL}, follow=True),
        "If a pending registration matches the address",
    )

    outbox.clear()
    run_worker()  # the new code asked for above
    (mail,) = outbox
    success = post_form(
        english, "/activation/", {"email": EMAIL, "code": code_from(mail)}, follow=True
    )
    text = english_page(success, "Your registration was completed on")
    assert "Remember to keep your registration number in a safe place" in text

    pdf = english.get("/activation/formulaire.pdf")
    assert pdf.mimetype == "application/pdf"
    text = assert_english(pdf_text(pdf.data), "Subscriber space registration form")
    assert "What was the name of your first pet?" in text
    assert re.search(r"document generated on \d{1,2} [A-Z][a-z]+ \d{4} at \d\d:\d\d", text)


def test_the_space_in_english(app, english, english_subscriber):
    home = english_page(english.get("/espace/"), "My subscriber space")
    assert "Registered on" in home and "What was the name of your first pet?" in home

    english_page(english.get("/espace/coordonnees"), "Change your contact details")
    text = english_page(
        post_form(english, "/espace/coordonnees", {**PROFILE, "phone": "", "postal_code": "x"}),
        "The form contains errors",
    )
    assert "Enter your telephone number." in text
    english_page(
        post_form(english, "/espace/coordonnees", PROFILE, follow=True),
        "Your contact details have been saved.",
    )

    english_page(english.get("/espace/mot-de-passe"), "Change my password")
    text = english_page(
        post_form(
            english,
            "/espace/mot-de-passe",
            {"current_password": "wrong", "new_password": "abc", "new_password_confirm": "abd"},
        ),
        "The form contains errors",
    )
    assert "The password must have at least 8 characters." in text and "do not match" in text
    english_page(
        post_form(
            english,
            "/espace/mot-de-passe",
            {
                "current_password": "wrong",
                "new_password": "Otter77River",
                "new_password_confirm": "Otter77River",
            },
        ),
        "The current password is incorrect.",
    )

    english_page(english.get("/espace/question-de-confiance"), "Change my security question")
    text = english_page(
        post_form(
            english,
            "/espace/question-de-confiance",
            {
                "current_password": PASSWORD,
                "trust_question": "favourite_book",
                "trust_answer": "Ann",
            },
        ),
        "The form contains errors",
    )
    assert "The answer must not be your surname" in text
    english_page(
        post_form(
            english,
            "/espace/question-de-confiance",
            {
                "current_password": PASSWORD,
                "trust_question": "favourite_book",
                "trust_answer": "Moby Dick",
            },
            follow=True,
        ),
        "Your security question has been changed.",
    )

    english_page(english.get("/espace/historique"), "Security question changed")
    pdf = english.get("/espace/formulaire.pdf")
    assert_english(pdf_text(pdf.data), "What is the title of your favourite book?")

    english_page(
        post_form(english, "/espace/", {}, action="/espace/deconnexion", follow=True),
        "You are logged out.",
    )
    english_page(
        english.get("/espace/", follow_redirects=True),
        "Please log in to access your subscriber space.",
    )
    english_page(
        post_form(english, "/espace/connexion", {"email": EMAIL, "password": "nope"}),
        "Incorrect email address or password.",
        status=401,
    )


def test_the_dossiers_pages_in_english(app, english, english_subscriber):
    english_page(english.get("/espace/dossiers/"), "Your space does not hold any dossiers yet.")
    english_page(english.get("/espace/dossiers/ajouter"), "Add a dossier")
    english_page(
        post_form(english, "/espace/dossiers/ajouter", {"siren": "123"}),
        "The SIREN must have 9 digits.",
    )
    shown = post_form(
        english,
        "/espace/dossiers/ajouter",
        {"siren": "732 829 320", "label": "Acme Ltd"},
        follow=True,
    )
    text = english_page(shown, "The dossier 732 829 320 — Acme Ltd has been added.")
    assert "File and pay VAT" in text and "Legal representative" in text
    dossier_url = shown.request.path
    english_page(
        post_form(
            english, "/espace/", {}, follow=True, action=f"{dossier_url}/services/tva/adherer"
        ),
        "The sign-up was not saved",
    )
    token = token_of(english, dossier_url)
    adhered = english.post(
        f"{dossier_url}/services/tva/adherer",
        data={"tva-csrf_token": token, "tva-role": "mandataire"},
        follow_redirects=True,
    )
    text = english_page(adhered, "Sign-up saved: “File and pay VAT”.")
    assert "as authorised agent." in text
    (withdraw,) = re.findall(r'href="([^"]+/retirer)"', adhered.get_data(as_text=True))
    text = english_page(
        english.get(withdraw),
        "Withdraw the sign-up for the service “File and pay VAT” of the dossier 732 829 320?",
    )
    assert "Confirm withdrawal" in text
    withdrawn = english.post(withdraw, data={"csrf_token": token}, follow_redirects=True)
    english_page(withdrawn, "Withdrawn sign-ups")

    english_page(english.get("/espace/dossiers/importer"), "Import dossiers")
    csv = b"siren;name\n552100554;Beta\n552100554;Beta again\n123;Gamma\n732829320;Acme\n"
    imported = english.post(
        "/espace/dossiers/importer",
        data={"csrf_token": token, "file": (BytesIO(csv), "clients.csv")},
    )
    text = english_page(imported, "Import report")
    for reason in (
        "1 dossier added",
        "3 lines refused",
        "Duplicated in the file (see line 2).",
        "The SIREN must have 9 digits.",
        "Already in your space.",
    ):
        assert reason in text, reason
    empty = english.post(
        "/espace/dossiers/importer",
        data={"csrf_token": token, "file": (BytesIO(b"   \n"), "empty.csv")},
    )
    english_page(empty, "The file is empty.")

    listing = english_page(english.get("/espace/dossiers/?q=acme"), "1 dossier matches")
    assert "2 dossiers in your space" in listing
    english_page(english.get("/espace/dossiers/?q=zzz"), "No dossier matches “zzz”.")
    english_page(english.get(f"{dossier_url}/supprimer"), "Remove the dossier 732 829 320?")
    removed = english.post(
        f"{dossier_url}/supprimer", data={"csrf_token": token}, follow_redirects=True
    )
    english_page(removed, "has been removed.")
    history = english_page(english.get("/espace/historique"), "Signed up for a service")
    assert "Withdrawn from a service" in history and "1 added, 3 refused" in history


def test_recovery_pages_in_english(app, english, english_subscriber, outbox, run_worker):
    number = english_subscriber.subscriber_number
    browser = english_browser(app)

    english_page(browser.get("/recuperation/numero"), "Forgotten subscriber number")
    english_page(
        post_form(browser, "/recuperation/numero", {"email": "nope"}),
        "The email address is not valid",
    )
    english_page(
        post_form(browser, "/recuperation/numero", {"email": EMAIL}),
        "your subscriber number has just been emailed to it.",
    )

    english_page(browser.get("/recuperation/mot-de-passe"), "Forgotten password")
    english_page(
        post_form(
            browser, "/recuperation/mot-de-passe", {"email": EMAIL, "subscriber_number": "12"}
        ),
        "The subscriber number has 14 digits.",
    )
    english_page(
        post_form(
            browser, "/recuperation/mot-de-passe", {"email": EMAIL, "subscriber_number": number}
        ),
        "an email containing a reset link has just been sent to",
    )
    run_worker()
    (mail,) = [mail for mail in outbox if "Resetting" in mail["Subject"]]
    link = LINK.search(mail.get_body(preferencelist=("plain",)).get_content()).group(0)
    path = link.split("espace-pro.example.com", 1)[1]

    english_page(browser.get(path, follow_redirects=True), "What was the name of your first pet?")
    english_page(
        post_form(browser, "/recuperation/reinitialiser", {"answer": "Felix"}, follow=True),
        "Incorrect answer. You have 4 attempt(s) left.",
    )
    chosen = post_form(
        browser, "/recuperation/reinitialiser", {"answer": "rex THE dog"}, follow=True
    )
    english_page(chosen, "Choose a new password")
    english_page(
        post_form(
            browser,
            "/recuperation/nouveau-mot-de-passe",
            {"new_password": "Otter77River", "new_password_confirm": "Otter77Rivet"},
        ),
        "The two passwords do not match.",
    )
    english_page(
        post_form(
            browser,
            "/recuperation/nouveau-mot-de-passe",
            {"new_password": "Otter77River", "new_password_confirm": "Otter77River"},
            follow=True,
        ),
        "Your password has been reset. Log in with your new password.",
    )

    english_page(
        english_browser(app).get(path),
        "This link is not valid or has already been used.",
        status=400,
    )


def test_the_locked_recovery_page_in_english(app, english_subscriber, outbox, run_worker):
    browser = english_browser(app)
    post_form(
        browser,
        "/recuperation/mot-de-passe",
        {"email": EMAIL, "subscriber_number": english_subscriber.subscriber_number},
    )
    run_worker()
    link = LINK.search(outbox[-1].get_body(preferencelist=("plain",)).get_content()).group(0)
    browser.get(link.split("espace-pro.example.com", 1)[1])
    for _attempt in range(5):
        response = post_form(
            browser, "/recuperation/reinitialiser", {"answer": "Felix"}, follow=True
        )

    english_page(response, "Reset blocked", status=429)


@pytest.mark.app_config(RATELIMIT_LOGIN_IP="2 per hour")
def test_error_pages_in_english(english):
    english_page(english.get("/no-such-page"), "Page not found", status=404)
    english_page(english.post("/conditions-generales"), "Method not allowed", status=405)
    english_page(
        english.post("/espace/connexion", data={"email": EMAIL}),
        "The form has expired or is no longer valid.",
        status=400,
    )
    for _attempt in range(2):
        post_form(english, "/espace/connexion", {"email": EMAIL, "password": "x"})
    limited = post_form(english, "/espace/connexion", {"email": EMAIL, "password": "x"})
    english_page(limited, "You have made too many requests. Try again in", status=429)


def test_the_dev_mailbox_in_english(app, english, outbox, run_worker):
    sign_up_in_english(english)
    run_worker()
    box = mailbox.Maildir(Path(app.config["DEV_MAILBOX_DIR"]), create=True)
    key = box.add(outbox[0].as_bytes())

    listing = english_page(english.get("/courriels/"), "Sent emails")
    assert "Your espace-pro activation code" in listing
    english_page(english.get(f"/courriels/{key}"), "Here is the activation code")


def test_a_browser_asking_for_english_gets_the_same_english_pages(client):
    headers = {"Accept-Language": "en-GB,en;q=0.8"}

    english_page(client.get("/", headers=headers), "Professionals")
    english_page(client.get("/espace/connexion", headers=headers), "Log in")
    english_page(client.get("/recuperation/numero", headers=headers), "Forgotten subscriber number")


@pytest.mark.app_config(WTF_CSRF_TIME_LIMIT=60)
def test_a_form_sent_after_its_token_expired_in_english(english):
    wizard = WizardActions(english)
    wizard.accept_terms()
    wizard.credentials(email=EMAIL)
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        token = token_of(english, "/inscription/etape-3")
        clock.shift(timedelta(minutes=2))
        late = english.post(
            "/inscription/etape-3",
            data={"csrf_token": token, **PROFILE},
            headers={"Origin": "http://localhost"},
        )

    text = english_page(late, "Your session has expired", status=400)
    assert "What will be sent again" in text
    assert "Country France" in text
    assert "For security, passwords, codes and answers are never kept" in text
    assert PROFILE["trust_answer"] not in text


@pytest.mark.app_config(WTF_CSRF_TIME_LIMIT=60)
def test_an_import_sent_after_its_token_expired_in_english(english, english_subscriber):
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        token = token_of(english, "/espace/dossiers/importer")
        clock.shift(timedelta(minutes=2))
        late = english.post(
            "/espace/dossiers/importer",
            data={"csrf_token": token, "file": (BytesIO(b"732829320\n"), "clients.csv")},
            headers={"Origin": "http://localhost"},
        )

    text = english_page(late, "The file was not kept: choose it again.", status=400)
    assert "Send the form again to complete your request." in text
