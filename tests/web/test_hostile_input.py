"""Hostile input: never a 500, always a French answer, and nothing half-saved."""

from __future__ import annotations

import pytest

from tests.support import PASSWORD, csrf_token, profile_data
from tests.web.pages import Page, refusal
from web.models import MailOutbox, Registration

TEN_KB = "é" * 2_000 + "x" * 8_000
WIZARD_URLS = [
    "/inscription/etape-1",
    "/inscription/etape-2",
    "/inscription/etape-3",
    "/inscription/confirmation",
]
STEP_2_LIMITS = {"email": 254, "email_confirm": 254, "password": 1024, "password_confirm": 1024}
STEP_3_LIMITS = {
    "last_name": 80,
    "first_name": 80,
    "company_id": 40,
    "phone": 30,
    "contact_email": 254,
    "street_number": 10,
    "street_name": 120,
    "address_complement": 120,
    "postal_code": 12,
    "city": 80,
    "trust_answer": 100,
}
STEP_3_CHOICES = ["civility", "street_type", "country", "trust_question"]
FORBIDDEN_CHARACTER = "Ce champ contient un caractère non autorisé."


def french_page(response) -> Page:
    """Not a server error, and a page in French from the app (not a bare error)."""
    assert response.status_code < 500
    page = Page(response)
    (html,) = page.root.find_all("html")
    assert html.attrs["lang"] == "fr"
    return page


def token_for(client, url: str) -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


# --- very long values -------------------------------------------------------------------


def test_10_kb_in_every_field_of_step_2_is_refused_field_by_field(wizard, draft, count):
    wizard.accept_terms()

    response = wizard.post("/inscription/etape-2", {name: TEN_KB for name in STEP_2_LIMITS})

    french_page(response)
    for name, limit in STEP_2_LIMITS.items():
        assert f"{limit} caractères au maximum." in refusal(response, name), name
    assert draft()["email"] is None
    assert draft()["password_hash"] is None
    assert count(Registration) == 0


def test_10_kb_in_every_field_of_step_3_is_refused_field_by_field(at_step_3, draft, count):
    fields = {name: TEN_KB for name in [*STEP_3_LIMITS, *STEP_3_CHOICES, "foreign_company"]}

    response = at_step_3.post("/inscription/etape-3", fields)

    french_page(response)
    for name, limit in STEP_3_LIMITS.items():
        assert f"{limit} caractères au maximum." in refusal(response, name), name
    for name in STEP_3_CHOICES:
        assert refusal(response, name) == "N'est pas un choix valide.", name
    assert draft()["profile"] == {}
    assert count(Registration) == 0


@pytest.mark.parametrize("name", list(STEP_3_LIMITS))
def test_a_value_one_character_too_long_is_refused(at_step_3, draft, name):
    limit = STEP_3_LIMITS[name]

    response = at_step_3.profile(**{name: "a" * (limit + 1)})

    assert f"{limit} caractères au maximum." in refusal(response, name)
    assert draft()["profile"] == {}


@pytest.mark.parametrize("name", ["last_name", "first_name", "street_name", "city"])
def test_a_value_exactly_at_its_limit_is_accepted(at_step_3, draft, name):
    response = at_step_3.profile(**{name: "a" * STEP_3_LIMITS[name]})

    assert response.status_code == 302
    assert draft()["profile"][name] == "a" * STEP_3_LIMITS[name]


@pytest.mark.parametrize(("name", "limit"), [("city", 80), ("street_name", 120)])
def test_a_value_that_normalisation_lengthens_past_its_limit_is_refused(
    at_step_3, draft, count, name, limit
):
    # U+1D160 (a musical note) is 1 code point as typed but 3 once NFC-normalised for storage.
    response = at_step_3.profile(**{name: "\U0001d160" * limit})

    assert f"{limit} caractères au maximum." in refusal(response, name)
    assert draft()["profile"] == {}
    assert count(Registration) == 0


def test_a_1_mb_field_gets_a_french_answer_and_saves_nothing(at_step_3, draft, count):
    response = at_step_3.profile(last_name="x" * 1_000_000)

    page = french_page(response)
    if response.status_code == 413:
        assert page.h1 == "Envoi trop volumineux"
    else:
        assert "80 caractères au maximum." in refusal(response, "last_name")
    assert draft()["profile"] == {}
    assert count(Registration) == 0


def test_a_body_over_the_size_limit_is_a_french_413(app, at_step_3, client, draft, count):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit is not None and limit <= 16 * 1024 * 1024
    token = token_for(client, "/inscription/etape-3")
    body = f"csrf_token={token}&last_name=" + "x" * limit

    response = client.post(
        "/inscription/etape-3", data=body, content_type="application/x-www-form-urlencoded"
    )

    page = french_page(response)
    assert response.status_code == 413
    assert page.h1 == "Envoi trop volumineux"
    assert "Les données envoyées dépassent la taille autorisée." in page.text
    assert draft()["profile"] == {}
    assert count(Registration) == 0


def test_a_multipart_body_with_a_huge_field_is_a_french_413(at_step_3, client, draft):
    token = token_for(client, "/inscription/etape-3")
    fields = {"csrf_token": token, **profile_data(last_name="x" * 900_000)}
    # Encoded here: the test client would spool a body this size to an unclosed temp file.
    boundary = "espace-pro-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    body = ("".join(parts) + f"--{boundary}--\r\n").encode()

    response = client.post(
        "/inscription/etape-3",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )

    assert response.status_code == 413
    assert french_page(response).h1 == "Envoi trop volumineux"
    assert draft()["profile"] == {}


# --- invisible and control characters ---------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Lef\x00èvre", "Lef\x07èvre", "\u202eervèfeL", "Lef\u200bèvre", "Lefèvre\n", "Lef\u2028"],
    ids=["nul", "bell", "right-to-left-override", "zero-width-space", "newline", "line-sep"],
)
def test_a_control_or_invisible_character_in_a_name_is_refused(at_step_3, draft, count, name):
    response = at_step_3.profile(last_name=name)

    french_page(response)
    assert FORBIDDEN_CHARACTER in refusal(response, "last_name")
    assert draft()["profile"] == {}
    assert count(Registration) == 0


@pytest.mark.parametrize("field", ["first_name", "city", "street_name", "trust_answer"])
def test_a_right_to_left_mark_is_refused_in_every_free_text_field(at_step_3, field):
    response = at_step_3.profile(**{field: "Caramel\u202e des Prés"})

    assert FORBIDDEN_CHARACTER in refusal(response, field)


def test_a_nul_in_the_login_address_is_refused(wizard, draft):
    wizard.accept_terms()

    response = wizard.credentials(email="helene\x00@example.com")

    assert FORBIDDEN_CHARACTER in refusal(response, "email")
    assert draft()["email"] is None


# --- fields the forms do not have -------------------------------------------------------


def test_unexpected_fields_are_ignored(wizard, draft, rows):
    extra = {
        "state": "active",
        "subscriber_number": "20143060047878",
        "password_hash": "$argon2id$forged",
        "trust_answer_hash": "$argon2id$forged",
        "email": "someone.else@example.com",
        "is_admin": "1",
    }
    wizard.accept_terms()
    wizard.post(
        "/inscription/etape-2",
        {
            **extra,
            "email": "helene.lefevre@example.com",
            "email_confirm": "helene.lefevre@example.com",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )
    response = wizard.post("/inscription/etape-3", {**profile_data(), **extra})

    assert response.headers["Location"] == "/inscription/confirmation"
    saved = draft()
    assert set(saved) == {"terms_version", "terms_accepted_at", "email", "password_hash", "profile"}
    assert saved["email"] == "helene.lefevre@example.com"
    assert "forged" not in saved["password_hash"]
    assert "forged" not in saved["profile"]["trust_answer_hash"]
    assert not {"state", "subscriber_number", "is_admin", "password_hash"} & set(saved["profile"])

    wizard.post("/inscription/confirmation", extra)

    (registration,) = rows(Registration)
    assert registration.state == "pending"
    assert registration.subscriber_number is None
    assert registration.email == "helene.lefevre@example.com"


# --- wrong methods, missing or forged CSRF token ----------------------------------------


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("url", [*WIZARD_URLS, "/inscription/attente"])
def test_a_wrong_method_gets_a_french_405(client, count, method, url):
    response = client.open(url, method=method, data={"accept": "y"})

    page = french_page(response)
    assert response.status_code == 405
    assert page.h1 == "Méthode non autorisée"
    assert "Cette page ne peut pas être utilisée de cette façon." in page.text
    assert "GET" in response.headers["Allow"]
    assert count(Registration) == 0


def test_a_post_on_the_waiting_page_gets_a_french_405(client):
    response = client.post("/inscription/attente")

    assert response.status_code == 405
    assert french_page(response).h1 == "Méthode non autorisée"


@pytest.mark.parametrize("token", [None, "", "forged-token"], ids=["absent", "empty", "forged"])
def test_step_1_without_a_valid_csrf_token_is_a_french_400_and_saves_nothing(client, draft, token):
    client.get("/inscription/etape-1")
    data = {"accept": "y"} if token is None else {"accept": "y", "csrf_token": token}

    response = client.post("/inscription/etape-1", data=data)

    page = french_page(response)
    assert response.status_code == 400
    assert page.h1 == "Requête invalide"
    assert "Le formulaire a expiré ou n'est plus valide." in page.text
    assert draft()["terms_accepted_at"] is None


def test_step_2_and_3_without_a_csrf_token_save_nothing(client, wizard, draft):
    wizard.accept_terms()
    step_2 = client.post(
        "/inscription/etape-2",
        data={
            "email": "helene.lefevre@example.com",
            "email_confirm": "helene.lefevre@example.com",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )
    wizard.credentials()
    step_3 = client.post("/inscription/etape-3", data=profile_data())

    assert step_2.status_code == step_3.status_code == 400
    assert french_page(step_3).h1 == "Requête invalide"
    assert draft()["profile"] == {}


def test_valider_without_a_csrf_token_creates_nothing(client, wizard, draft, count, mail_queue):
    wizard.accept_terms()
    wizard.credentials()
    wizard.profile()

    response = client.post("/inscription/confirmation", data={})

    assert response.status_code == 400
    assert french_page(response).h1 == "Requête invalide"
    assert count(Registration) == 0
    assert count(MailOutbox) == 0
    assert mail_queue.count == 0
    assert draft()["profile"]["trust_answer_hash"].startswith("$argon2id$")


def test_a_token_from_another_browser_is_refused(app, client, wizard, count):
    wizard.accept_terms()
    wizard.credentials()
    wizard.profile()
    other = app.test_client()
    foreign_token = token_for(other, "/inscription/etape-1")

    response = client.post("/inscription/confirmation", data={"csrf_token": foreign_token})

    assert response.status_code == 400
    assert count(Registration) == 0


# --- bodies that are not UTF-8 ----------------------------------------------------------


def test_a_raw_non_utf8_body_gets_a_french_answer_and_saves_nothing(
    client, at_step_3, draft, count
):
    token = token_for(client, "/inscription/etape-3")
    body = f"csrf_token={token}&last_name=Lef".encode() + b"\xe8vre\xff\xfe&city=Paris"

    response = client.post(
        "/inscription/etape-3", data=body, content_type="application/x-www-form-urlencoded"
    )

    french_page(response)
    assert response.status_code in {200, 400}
    assert draft()["profile"] == {}
    assert count(Registration) == 0


def test_percent_encoded_bytes_that_are_not_utf8_are_refused_beside_the_field(
    client, at_step_3, draft
):
    token = token_for(client, "/inscription/etape-3")
    fields = profile_data(last_name="LEFEVRE")
    body = "&".join(f"{name}={value}" for name, value in fields.items() if name != "last_name")
    body = f"csrf_token={token}&{body}&last_name=Lef%E8vre%FF".replace(" ", "+")

    response = client.post(
        "/inscription/etape-3", data=body, content_type="application/x-www-form-urlencoded"
    )

    french_page(response)
    assert refusal(response, "last_name")
    assert draft()["profile"] == {}


def test_a_body_declared_in_another_charset_saves_nothing(client, at_step_3, draft, count):
    token = token_for(client, "/inscription/etape-3")
    body = f"csrf_token={token}&last_name=Lefèvre".encode("latin-1")

    response = client.post(
        "/inscription/etape-3",
        data=body,
        content_type="application/x-www-form-urlencoded; charset=latin-1",
    )

    french_page(response)
    assert draft()["profile"] == {}
    assert count(Registration) == 0
