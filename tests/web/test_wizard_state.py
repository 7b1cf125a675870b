"""The wizard's draft: steps in order, data kept on back/reload/"Modifier", 1 h idle expiry."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from tests.support import credentials_data, csrf_token
from tests.web.pages import Page, refusal
from web.models import Registration

EXPIRED = "Votre saisie a expiré après une heure d'inactivité : veuillez recommencer."


def first_step_with_notice(client, response, notice: str) -> Page:
    """Follow a redirect that must land on step 1 and show the notice."""
    assert response.status_code == 302
    assert response.headers["Location"] == "/inscription/etape-1"
    page = Page(client.get("/inscription/etape-1"))
    assert page.h1 == "1ère étape : acceptez les conditions générales"
    assert notice in page.notices()
    return page


# --- steps cannot be skipped ------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/inscription/etape-2", "/inscription/etape-3", "/inscription/confirmation"]
)
def test_opening_a_later_step_first_redirects_to_the_first_step_with_a_message(client, url):
    response = client.get(url)

    first_step_with_notice(client, response, "Veuillez d'abord compléter l'étape 1.")


def test_opening_the_confirmation_after_step_1_redirects_to_step_2(client, wizard):
    wizard.accept_terms()

    response = client.get("/inscription/confirmation", follow_redirects=True)

    page = Page(response)
    assert response.request.path == "/inscription/etape-2"
    assert "Veuillez d'abord compléter l'étape 2." in page.notices()


def test_opening_the_confirmation_after_step_2_redirects_to_step_3(client, wizard):
    wizard.accept_terms()
    wizard.credentials()

    response = client.get("/inscription/confirmation", follow_redirects=True)

    page = Page(response)
    assert response.request.path == "/inscription/etape-3"
    assert "Veuillez d'abord compléter l'étape 3." in page.notices()


def test_posting_a_later_step_first_saves_nothing(client, draft, count):
    token = csrf_token(client.get("/inscription/etape-1").get_data(as_text=True))

    step_2 = client.post(
        "/inscription/etape-2",
        data={"csrf_token": token, **credentials_data()},
    )
    confirm = client.post("/inscription/confirmation", data={"csrf_token": token})

    assert step_2.headers["Location"] == "/inscription/etape-1"
    assert confirm.headers["Location"] == "/inscription/etape-1"
    assert draft()["email"] is None
    assert draft()["password_hash"] is None
    assert count(Registration) == 0


def test_steps_show_their_progress(client, wizard):
    wizard.accept_terms()
    wizard.credentials()
    wizard.profile()

    for url, step in [
        ("/inscription/etape-1", 1),
        ("/inscription/etape-2", 2),
        ("/inscription/etape-3", 3),
    ]:
        assert f"Étape {step} sur 4" in Page(client.get(url)).text


# --- back, reload and "Modifier" keep the data ------------------------------------------


def test_back_to_step_2_shows_the_saved_address_and_empty_password_fields(client, wizard):
    wizard.accept_terms()
    wizard.credentials(email="Helene.Lefevre@Example.com")

    page = Page(client.get("/inscription/etape-2"))

    assert page.value("email") == "helene.lefevre@example.com"
    assert page.value("email_confirm") == "helene.lefevre@example.com"
    assert page.value("password") == ""
    assert page.value("password_confirm") == ""


def test_step_3_after_completing_it_shows_the_saved_values_except_the_answer(client, wizard):
    wizard.accept_terms()
    wizard.credentials()
    wizard.profile(company_id="732 829 320", phone="06 12 34 56 78")

    page = Page(client.get("/inscription/etape-3"))

    assert page.checked("civility", "mme")
    assert not page.checked("civility", "m")
    assert not page.checked("foreign_company")
    texts = {
        "last_name": "Lefèvre",
        "first_name": "Hélène",
        "company_id": "732829320",
        "phone": "+33612345678",
        "contact_email": "helene.lefevre@example.com",
        "street_number": "12 bis",
        "street_name": "des Lilas",
        "address_complement": "Bâtiment B",
        "postal_code": "75011",
        "city": "Paris",
        "trust_answer": "",
    }
    assert {name: page.value(name) for name in texts} == texts
    choices = {"street_type": "rue", "country": "FR", "trust_question": "first_pet"}
    assert {name: page.selected(name) for name in choices} == choices
    assert "Caramel" not in page.html
    assert "Laissez vide pour conserver la réponse déjà saisie." in page.text
    assert "required" not in page.control("trust_answer").attrs


def test_reloading_a_step_keeps_its_data(client, wizard, draft):
    wizard.accept_terms()
    wizard.credentials()
    wizard.profile()
    saved = draft()

    first = Page(client.get("/inscription/etape-3"))
    second = Page(client.get("/inscription/etape-3"))

    assert first.value("last_name") == second.value("last_name") == "Lefèvre"
    assert draft() == saved


def test_modifier_on_step_3_with_an_empty_answer_keeps_its_hash(client, wizard, draft):
    wizard.accept_terms()
    wizard.credentials()
    wizard.profile()
    kept_hash = draft()["profile"]["trust_answer_hash"]

    response = wizard.profile(trust_answer="", city="Lyon", postal_code="69001")

    assert response.headers["Location"] == "/inscription/confirmation"
    assert draft()["profile"]["trust_answer_hash"] == kept_hash
    assert draft()["profile"]["city"] == "Lyon"
    assert "69001 Lyon" in Page(client.get("/inscription/confirmation")).text


def test_changing_the_question_requires_a_new_answer(wizard, draft):
    wizard.accept_terms()
    wizard.credentials()
    wizard.profile()
    kept = draft()["profile"]

    response = wizard.profile(trust_question="first_school", trust_answer="")

    message = refusal(response, "trust_answer")
    assert message == "Saisissez la réponse à votre question de confiance."
    assert draft()["profile"] == kept


def test_a_new_answer_on_modifier_replaces_the_hash(wizard, draft):
    wizard.accept_terms()
    wizard.credentials()
    wizard.profile()

    wizard.profile(trust_question="first_school", trust_answer="Jules Ferry")

    profile = draft()["profile"]
    assert profile["trust_question"] == "first_school"
    assert PasswordHasher().verify(profile["trust_answer_hash"], "jules ferry")


def test_accepting_the_terms_again_keeps_the_rest_of_the_draft(wizard, draft):
    wizard.accept_terms()
    wizard.credentials()
    wizard.profile()
    saved = draft()

    response = wizard.accept_terms()

    assert response.headers["Location"] == "/inscription/confirmation"
    assert draft()["email"] == saved["email"]
    assert draft()["password_hash"] == saved["password_hash"]
    assert draft()["profile"] == saved["profile"]


def test_two_browsers_have_separate_drafts(app, wizard, draft):
    wizard.accept_terms()
    wizard.credentials()
    other = app.test_client()

    response = other.get("/inscription/etape-3")

    assert response.headers["Location"] == "/inscription/etape-1"
    assert draft()["email"] == "helene.lefevre@example.com"


# --- the draft's idle expiry ------------------------------------------------------------


def test_the_draft_lives_in_redis_for_an_hour(client, draft_key, redis_client):
    client.get("/inscription/etape-1")

    ttl = redis_client.ttl(draft_key())
    assert 3590 <= ttl <= 3600


def test_each_request_gives_the_draft_a_fresh_hour(client, wizard, draft_key, redis_client):
    wizard.accept_terms()
    key = draft_key()
    credentials = {
        "email": "helene.lefevre@example.com",
        "email_confirm": "helene.lefevre@example.com",
        "password": "Kestrel42Vine",
        "password_confirm": "Kestrel42Vine",
    }

    redis_client.pexpire(key, 60_000)
    token = csrf_token(client.get("/inscription/etape-2").get_data(as_text=True))
    after_get = redis_client.ttl(key)
    redis_client.pexpire(key, 60_000)
    refused = client.post("/inscription/etape-2", data={"csrf_token": token})
    after_refused_post = redis_client.ttl(key)
    redis_client.pexpire(key, 60_000)
    saved = client.post("/inscription/etape-2", data={"csrf_token": token, **credentials})
    after_accepted_post = redis_client.ttl(key)

    assert refused.status_code == 200
    assert saved.status_code == 302
    assert 3590 <= after_get <= 3600
    assert 3590 <= after_refused_post <= 3600
    assert 3590 <= after_accepted_post <= 3600


class TestWithAShorterIdleTime:
    """DRAFT_IDLE_SECONDS sets the draft's lifetime."""

    @pytest.fixture
    def app_config(self, app_config):
        return app_config | {"DRAFT_IDLE_SECONDS": 120}

    def test_the_draft_expires_after_the_configured_idle_time(
        self, client, wizard, draft_key, redis_client
    ):
        wizard.accept_terms()

        assert 110 <= redis_client.ttl(draft_key()) <= 120


def test_an_expired_draft_restarts_the_wizard_at_step_1_with_a_message(
    client, wizard, draft_key, redis_client, draft
):
    wizard.accept_terms()
    wizard.credentials()
    redis_client.delete(draft_key())

    response = client.get("/inscription/etape-3")

    first_step_with_notice(client, response, EXPIRED)
    assert draft()["terms_accepted_at"] is None
    assert draft()["email"] is None


def test_after_expiry_the_later_steps_are_closed_again(client, wizard, draft_key, redis_client):
    wizard.accept_terms()
    wizard.credentials()
    redis_client.delete(draft_key())
    client.get("/inscription/etape-3")

    response = client.get("/inscription/etape-2")

    assert response.headers["Location"] == "/inscription/etape-1"


def test_a_step_posted_after_expiry_is_not_saved(client, wizard, draft_key, redis_client, draft):
    wizard.accept_terms()
    token = csrf_token(client.get("/inscription/etape-2").get_data(as_text=True))
    redis_client.delete(draft_key())

    response = client.post(
        "/inscription/etape-2",
        data={"csrf_token": token, **credentials_data()},
    )

    first_step_with_notice(client, response, EXPIRED)
    assert draft()["email"] is None
    assert draft()["password_hash"] is None


def test_validating_after_expiry_creates_nothing(client, wizard, draft_key, redis_client, count):
    wizard.accept_terms()
    wizard.credentials()
    wizard.profile()
    token = csrf_token(client.get("/inscription/confirmation").get_data(as_text=True))
    redis_client.delete(draft_key())

    response = client.post("/inscription/confirmation", data={"csrf_token": token})

    first_step_with_notice(client, response, EXPIRED)
    assert count(Registration) == 0
