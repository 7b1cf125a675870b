"""A form sent after its CSRF token expired: « Votre session a expiré », the typed fields kept
(never a secret), and « Envoyer à nouveau » posting them with a fresh token."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from wtforms import PasswordField

from tests.account.spaces import frozen_clock
from tests.dossiers.space import Space
from tests.factories import create_active_space, create_subscriber
from tests.support import (
    EMAIL,
    PASSWORD,
    TRUST_ANSWER,
    VALID_SIREN,
    credentials_data,
    csrf_token,
    logged_in,
    page_token,
    profile_data,
)
from tests.web.pages import Page
from web.core.expired_forms import KEPT_FORM_ATTRIBUTE, SECRET_FIELD_NAMES

# Tokens live a minute here: the clock moves two.
pytestmark = pytest.mark.app_config(WTF_CSRF_TIME_LIMIT=60)
LATER = timedelta(minutes=2)
# What a browser sends with a form posted from one of the site's own pages.
OURS = {"Origin": "http://localhost"}
EXPIRED = "Votre session a expiré"
PLAIN_REFUSAL = "Le formulaire a expiré ou n'est plus valide."


def hidden_fields(page: Page) -> dict[str, list[str]]:
    """The hidden inputs of the « Envoyer à nouveau » form, by name."""
    fields: dict[str, list[str]] = {}
    for node in page.main.find_all("input", type="hidden"):
        fields.setdefault(node.attrs["name"], []).append(node.attrs["value"])
    return fields


def resend(client, page: Page, **typed_again):
    """Press « Envoyer à nouveau »: the page's form as it is, plus what is typed again."""
    (form,) = page.main.find_all("form")
    data = {name: values for name, values in hidden_fields(page).items()}
    return client.post(form.attrs["action"], data={**data, **typed_again}, headers=OURS)


@pytest.fixture
def clock():
    """A stopped clock, moved by hand: the page's fresh token is not from the future."""
    with frozen_clock() as traveller:
        yield traveller


def post_late(client, clock, url: str, data: dict, page: str = "", token_name: str = "csrf_token"):
    """Open the page (`page`, else `url`), come back after its token expired, send the form."""
    token = page_token(client.get(page or url).get_data(as_text=True))
    clock.shift(LATER)
    return client.post(url, data={token_name: token, **data}, headers=OURS)


def test_a_wizard_step_sent_late_keeps_the_address_but_never_the_password(client, wizard, clock):
    wizard.accept_terms()

    response = post_late(client, clock, "/inscription/etape-2", credentials_data())

    page = Page(response)
    assert response.status_code == 400
    assert page.h1 == EXPIRED
    assert "Rien n'a été enregistré." in page.text
    assert hidden_fields(page) == {
        "csrf_token": [csrf_token(response.get_data(as_text=True))],
        "email": [EMAIL],
        "email_confirm": [EMAIL],
    }
    assert f"Votre adresse électronique {EMAIL}" in page.text  # the summary, label and value
    assert PASSWORD not in response.get_data(as_text=True)
    password_inputs = page.main.find_all("input", type="password")
    assert [node.attrs["name"] for node in password_inputs] == ["password", "password_confirm"]
    assert all(not node.attrs.get("value") for node in password_inputs)
    assert "les mots de passe, les codes et les réponses ne sont jamais gardés" in page.text


def test_sending_the_step_again_from_the_page_moves_the_wizard_on(client, wizard, draft, clock):
    wizard.accept_terms()
    page = Page(post_late(client, clock, "/inscription/etape-2", credentials_data()))

    response = resend(client, page, password=PASSWORD, password_confirm=PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/inscription/etape-3")
    assert draft()["email"] == EMAIL


def test_sending_again_without_the_password_gets_the_steps_own_message(client, wizard, clock):
    wizard.accept_terms()
    page = Page(post_late(client, clock, "/inscription/etape-2", credentials_data()))

    response = resend(client, page)

    step = Page(response)
    assert response.status_code == 200
    assert step.error("password") == "Erreur : Saisissez votre mot de passe."
    assert step.root.find_all("input", name="email")[0].attrs["value"] == EMAIL


def test_a_draft_gone_too_still_gets_the_wizards_own_message_once_sent_again(
    client, wizard, draft_key, redis_client, clock
):
    wizard.accept_terms()
    page = Page(post_late(client, clock, "/inscription/etape-2", credentials_data()))
    redis_client.delete(draft_key())  # an hour without a word: the draft expired too

    response = resend(client, page, password=PASSWORD, password_confirm=PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/inscription/etape-1")
    step_1 = Page(client.get(response.headers["Location"]))
    assert "Votre saisie a expiré après une heure d'inactivité" in step_1.text


def test_the_summary_shows_choices_as_the_form_named_them_and_never_the_answer(
    client, wizard, clock
):
    wizard.accept_terms()
    wizard.credentials()

    response = post_late(client, clock, "/inscription/etape-3", profile_data(foreign_company="y"))

    page = Page(response)
    summary = {
        term.text: definition.text
        for term, definition in zip(page.main.find_all("dt"), page.main.find_all("dd"), strict=True)
    }
    assert summary["Pays"] == "France"
    assert summary["Entreprise étrangère"] == "Oui"
    assert summary["Question"] == "Quel était le nom de votre premier animal de compagnie ?"
    assert summary["Nom"] == profile_data()["last_name"]
    assert TRUST_ANSWER not in response.get_data(as_text=True)
    assert not page.main.find_all("input", name="trust_answer")[0].attrs.get("value")


def test_the_login_form_sent_late_keeps_the_address_and_logs_in_once_retyped(app, client, clock):
    create_subscriber(app)

    response = post_late(client, clock, "/espace/connexion", {"email": EMAIL, "password": PASSWORD})

    page = Page(response)
    assert page.h1 == EXPIRED
    assert PASSWORD not in response.get_data(as_text=True)
    assert hidden_fields(page)["email"] == [EMAIL]
    logged = resend(client, page, password=PASSWORD)
    assert logged.status_code == 302
    assert logged.headers["Location"].endswith("/espace/")


def test_an_adhesion_sent_late_keeps_its_prefixed_choice(app, client, clock):
    _, dossier_id = create_active_space(app, with_dossier=True)
    logged_in(client)
    url = f"/espace/dossiers/{dossier_id}"

    response = post_late(
        client,
        clock,
        f"{url}/services/tva/adherer",
        {"tva-role": "representant_legal"},
        page=url,
        token_name="tva-csrf_token",
    )

    page = Page(response)
    assert page.h1 == EXPIRED
    assert hidden_fields(page)["tva-role"] == ["representant_legal"]
    assert "Représentant légal" in page.text
    done = resend(client, page)
    assert done.status_code == 302
    assert "Adhésion enregistrée" in Page(client.get(done.headers["Location"])).text


def test_an_import_sent_late_asks_for_the_file_again_and_imports_it(app, client, clock):
    registration_id, _ = create_active_space(app)
    logged_in(client)
    url = "/espace/dossiers/importer"
    csv = f"siren;nom\n{VALID_SIREN};Boulangerie Martin\n".encode()

    response = post_late(client, clock, url, {"file": (BytesIO(csv), "clients.csv")})

    page = Page(response)
    (form,) = page.main.find_all("form")
    assert form.attrs["enctype"] == "multipart/form-data"
    assert page.main.find_all("input", type="file", name="file")
    assert "Le fichier n'a pas été gardé : choisissez-le à nouveau." in page.text
    space = Space(app, client, registration_id)
    assert space.dossiers() == []
    imported = resend(client, page, file=(BytesIO(csv), "clients.csv"))
    assert "1 dossier ajouté" in Page(imported).text
    assert [dossier.siren for dossier in space.dossiers()] == [VALID_SIREN]


FOREIGN_ORIGIN = "Cet envoi ne vient pas d'une page de ce site"


@pytest.mark.parametrize(
    ("headers", "status", "refusal"),
    [
        ({}, 400, PLAIN_REFUSAL),
        # A foreign Origin is refused before any view (web/core/request_rules.py).
        ({"Origin": "https://attacker.example.com"}, 403, FOREIGN_ORIGIN),
        ({"Origin": "null"}, 403, FOREIGN_ORIGIN),
        ({"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"}, 400, PLAIN_REFUSAL),
        ({"Referer": "https://attacker.example.com/form"}, 400, PLAIN_REFUSAL),
    ],
    ids=["no-header", "other-origin", "null-origin", "cross-site-fetch", "other-referer"],
)
def test_a_post_not_known_to_come_from_our_pages_gets_the_plain_refusal(
    app, client, headers, status, refusal
):
    create_subscriber(app)

    response = client.post(
        "/espace/connexion", data={"email": EMAIL, "password": PASSWORD}, headers=headers
    )

    page = Page(response)
    assert response.status_code == status
    assert refusal in page.text
    assert EMAIL not in response.get_data(as_text=True)
    assert not page.main.find_all("form")


def test_a_secure_post_refused_for_its_referer_is_not_offered_again(client):
    https = {"base_url": "https://espace-pro.example.com"}
    token = csrf_token(client.get("/recuperation/numero", **https).get_data(as_text=True))

    response = client.post(
        "/recuperation/numero",
        data={"csrf_token": token, "email": EMAIL},
        headers={"Sec-Fetch-Site": "same-origin"},
        **https,
    )

    # Over HTTPS, neither Origin nor Referer: refused before any view, nothing echoed.
    assert response.status_code == 403
    assert FOREIGN_ORIGIN in Page(response).text
    assert EMAIL not in response.get_data(as_text=True)


def test_the_page_posts_only_to_the_page_the_form_was_sent_to(client, wizard, clock):
    wizard.accept_terms()

    page = Page(post_late(client, clock, "/inscription/etape-2?next=//attacker.example.com", {}))

    (form,) = page.main.find_all("form")
    assert form.attrs["action"] == "/inscription/etape-2"


def test_fields_the_form_does_not_have_are_not_written_back(app, client, clock):
    create_subscriber(app)

    response = post_late(
        client, clock, "/espace/connexion", {"email": EMAIL, "password": PASSWORD, "smuggled": "x"}
    )

    assert "smuggled" not in response.get_data(as_text=True)


def test_every_post_view_says_which_form_it_receives(app: Flask):
    undeclared = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ())
        and rule.endpoint.split(".")[0] not in ("ops", "devmail")
        and not hasattr(app.view_functions[rule.endpoint], KEPT_FORM_ATTRIBUTE)
    ]
    assert undeclared == []


def _forms_of(app: Flask) -> set[type[FlaskForm]]:
    return {
        getattr(view, KEPT_FORM_ATTRIBUTE)
        for view in app.view_functions.values()
        if hasattr(view, KEPT_FORM_ATTRIBUTE)
    }


def test_every_password_answer_and_code_field_is_a_secret_by_name(app: Flask):
    with app.test_request_context():
        fields = [field for form in _forms_of(app) for field in form(formdata=None)]
    passwords = {field.short_name for field in fields if isinstance(field, PasswordField)}
    assert passwords == {
        "password",
        "password_confirm",
        "current_password",
        "new_password",
        "new_password_confirm",
    }
    assert passwords | {"trust_answer", "answer", "code"} <= SECRET_FIELD_NAMES
    assert {field.short_name for field in fields} & {"trust_answer", "answer", "code"} == {
        "trust_answer",
        "answer",
        "code",
    }
