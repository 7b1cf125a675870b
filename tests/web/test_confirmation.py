"""4ème étape: the summary, "Valider", the registration, its outbox row and job, then waiting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from argon2 import PasswordHasher

from tests.support import PASSWORD, csrf_token
from tests.web.pages import Page
from web.core.terms import TERMS_VERSION
from web.models import MailOutbox, Registration

EMAIL = "helene.lefevre@example.com"
MASK = "••••••••"


@pytest.fixture
def at_confirmation(wizard):
    """A visitor who has completed the three steps."""
    wizard.accept_terms()
    wizard.credentials(email="Helene.Lefevre@Example.com")
    wizard.profile()
    return wizard


def sign_up_at(wizard, moment: datetime):
    """Walk the whole wizard and validate at a fixed moment (the session is signed then too)."""
    with time_machine.travel(moment, tick=False):
        wizard.accept_terms()
        wizard.credentials(email="Helene.Lefevre@Example.com")
        wizard.profile()
        return wizard.confirm(follow=True)


def summary(page: Page) -> dict[str, list[str]]:
    """The confirmation's summary as {term: [values]} (terms repeat, e.g. the two addresses)."""
    pairs: dict[str, list[str]] = {}
    for dl in page.main.find_all("dl"):
        terms = dl.find_all("dt")
        values = dl.find_all("dd")
        for term, value in zip(terms, values, strict=True):
            pairs.setdefault(term.text, []).append(value.text)
    return pairs


def test_confirmation_summarises_the_credentials_with_the_password_masked(client, at_confirmation):
    page = Page(client.get("/inscription/confirmation"))

    facts = summary(page)
    assert page.h1 == "Confirmez votre inscription"
    assert facts["Adresse électronique"][0] == EMAIL
    assert facts["Mot de passe"] == [MASK]
    assert PASSWORD not in page.html


def test_confirmation_summarises_the_form_with_the_answer_masked(client, at_confirmation):
    page = Page(client.get("/inscription/confirmation"))

    facts = summary(page)
    assert facts["Civilité"] == ["Madame"]
    assert facts["Nom"] == ["Lefèvre"]
    assert facts["Prénom"] == ["Hélène"]
    assert facts["Entreprise étrangère"] == ["Non"]
    # Shown grouped for reading ("732 829 320", "06 12 34 56 78"): compare the digits.
    assert [value.replace(" ", "") for value in facts["S.I.R.E.N. ou équivalent"]] == ["732829320"]
    assert facts["Numéro de téléphone"][0].replace(" ", "") in {"+33612345678", "0612345678"}
    assert facts["Adresse électronique"][1] == "helene.lefevre@example.com"
    assert "12 bis Rue des Lilas" in facts["Adresse"][0]
    assert "Bâtiment B" in facts["Adresse"][0]
    assert "75011 Paris" in facts["Adresse"][0]
    assert facts["Adresse"][0].endswith("France")
    assert facts["Question de confiance"] == [
        "Quel était le nom de votre premier animal de compagnie ?"
    ]
    assert facts["Réponse"] == [MASK]
    assert "Caramel" not in page.html


def test_confirmation_offers_modifier_links_to_steps_2_and_3(client, at_confirmation):
    page = Page(client.get("/inscription/confirmation"))

    modifier = [href for text, href in page.links() if text.startswith("Modifier")]
    assert modifier == ["/inscription/etape-2", "/inscription/etape-3"]


def test_confirmation_announces_the_code_and_offers_valider(client, at_confirmation):
    page = Page(client.get("/inscription/confirmation"))

    assert (
        f"vous recevrez par courriel un code d'activation valable 48 heures à l'adresse {EMAIL}"
        in page.text
    )
    (form,) = page.main.find_all("form")
    assert form.attrs["action"] == "/inscription/confirmation"
    assert [button.text for button in form.find_all("button")] == ["Valider"]


def test_modifier_then_back_shows_the_change_in_the_summary(client, at_confirmation):
    page = Page(client.get("/inscription/confirmation"))
    client.get(page.link_to("Modifier"))

    at_confirmation.credentials(email="h.lefevre@example.com", password="Kq7mZp2xWv9r")

    assert summary(Page(client.get("/inscription/confirmation")))["Adresse électronique"][0] == (
        "h.lefevre@example.com"
    )


def test_nothing_is_saved_before_valider(client, at_confirmation, count, mail_queue):
    client.get("/inscription/confirmation")

    assert count(Registration) == 0
    assert count(MailOutbox) == 0
    assert mail_queue.count == 0


def test_valider_creates_exactly_one_pending_registration(wizard, rows):
    sign_up_at(wizard, datetime(2026, 11, 27, 9, 15, tzinfo=UTC))

    (registration,) = rows(Registration)
    assert registration.state == "pending"
    assert registration.email == EMAIL
    assert registration.password_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(registration.password_hash, PASSWORD)
    assert registration.terms_version == TERMS_VERSION
    assert registration.civility == "mme"
    assert registration.last_name == "Lefèvre"
    assert registration.first_name == "Hélène"
    assert registration.foreign_company is False
    assert registration.company_id == "732829320"
    assert registration.phone == "+33612345678"
    assert registration.contact_email == "helene.lefevre@example.com"
    assert registration.street_number == "12 bis"
    assert registration.street_type == "rue"
    assert registration.street_name == "des Lilas"
    assert registration.address_complement == "Bâtiment B"
    assert registration.postal_code == "75011"
    assert registration.city == "Paris"
    assert registration.country == "FR"
    assert registration.trust_question == "first_pet"
    assert PasswordHasher().verify(registration.trust_answer_hash, "caramel des pres")
    assert registration.subscriber_number is None
    assert registration.activated_at is None
    assert registration.created_at == datetime(2026, 11, 27, 9, 15)


def test_valider_writes_one_activation_code_outbox_row(at_confirmation, rows):
    at_confirmation.confirm()

    (registration,) = rows(Registration)
    (outbox,) = rows(MailOutbox)
    assert outbox.kind == "activation_code"
    assert outbox.registration_id == registration.id
    assert outbox.job_id is not None
    assert outbox.enqueued_at is not None
    assert outbox.sent_at is None


def test_valider_enqueues_one_mail_job_carrying_only_the_registration_id(
    at_confirmation, rows, mail_queue
):
    at_confirmation.confirm()

    (registration,) = rows(Registration)
    (outbox,) = rows(MailOutbox)
    (job,) = mail_queue.get_jobs()
    assert job.id == outbox.job_id
    assert job.func_name == "mailer.jobs.send_activation_code"
    assert job.args == (registration.id,)
    assert job.kwargs == {}


def test_valider_discards_the_draft(at_confirmation, draft_key, redis_client, session_data):
    key = draft_key()

    at_confirmation.confirm()

    assert not redis_client.exists(key)
    assert "draft" not in session_data()


def test_valider_leads_to_the_waiting_page(at_confirmation):
    response = at_confirmation.confirm()

    assert response.status_code == 302
    assert response.headers["Location"] == "/inscription/attente"


def test_waiting_page_says_the_code_is_on_its_way_to_the_address(at_confirmation):
    page = Page(at_confirmation.confirm(follow=True))

    assert page.h1 == "Activation de votre espace abonné"
    assert "Vous êtes en attente du code d'activation" in page.text
    assert f"dans votre messagerie, à l'adresse {EMAIL}" in page.text
    assert f"vérifiez que l'adresse que vous avez saisie ({EMAIL}) est correcte" in page.text
    assert "« Courrier indésirable » ou « Spam »" in page.text
    assert "ce code n'est pas un mot de passe" in page.text
    assert "Vous disposez d'un délai de 48 heures" in page.text
    assert page.link_to("Activez votre espace abonné") == "/activation/"


@pytest.mark.parametrize(
    ("validated_at", "deadline"),
    [
        (datetime(2026, 11, 27, 9, 15, tzinfo=UTC), "29 novembre 2026 à 10:15"),
        (datetime(2026, 6, 1, 21, 30, tzinfo=UTC), "3 juin 2026 à 23:30"),
    ],
    ids=["winter-time", "summer-time"],
)
def test_waiting_page_states_the_deadline_in_paris_time(wizard, validated_at, deadline):
    page = Page(sign_up_at(wizard, validated_at))

    assert f"soit jusqu'au {deadline} (heure de Paris)" in page.text


def test_waiting_page_without_a_sign_up_goes_to_the_subscription_page(client):
    response = client.get("/inscription/attente")

    assert response.status_code == 302
    assert response.headers["Location"] == "/creer-mon-espace"


def test_validating_twice_creates_one_registration(client, at_confirmation, count, mail_queue):
    token = csrf_token(client.get("/inscription/confirmation").get_data(as_text=True))

    first = client.post("/inscription/confirmation", data={"csrf_token": token})
    second = client.post("/inscription/confirmation", data={"csrf_token": token})

    assert first.status_code == 302
    assert second.status_code == 302
    assert count(Registration) == 1
    assert count(MailOutbox) == 1
    assert mail_queue.count == 1


def test_after_valider_the_confirmation_page_is_closed(client, at_confirmation):
    at_confirmation.confirm()

    response = client.get("/inscription/confirmation")

    # Closed: it leads to this sign-up's waiting page (issue 12, point 9), not to a new one.
    assert response.headers["Location"] == "/inscription/attente"


def test_wizard_pages_are_never_cached(client, at_confirmation):
    for url in ("/inscription/etape-2", "/inscription/etape-3", "/inscription/confirmation"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
