"""What reaches a view: HTML form bodies only, files only where a form has a file field, ids
and page numbers the database can hold, searches without control characters.

Each of these was a server error before (the property tests found them): Flask-WTF read a
JSON body or a stray file as form data, an id or a page past 64 bits overflowed SQLite,
PostgreSQL refused a NUL.
"""

from __future__ import annotations

import io
import json

import pytest
from werkzeug.datastructures import FileStorage

from tests.hostile.answers import check_answer, counts
from tests.support import EMAIL, PASSWORD, profile_data, token_of
from tests.web.pages import Page

UNSUPPORTED = "Ces données ne peuvent être envoyées que par le formulaire de la page."
TOO_BIG_NUMBERS = ["2147483648", "9223372036854775808", "9" * 30]


@pytest.fixture
def space(logged_in):
    """A logged-in browser on the space made in the database."""
    return logged_in()


def french_error(response, status: int, title: str) -> Page:
    """The app's French error page with this status and title."""
    check_answer(response)
    assert response.status_code == status
    page = Page(response)
    assert page.h1 == title
    return page


@pytest.mark.parametrize("value", [5, None, {"a": 1}, ["Dupont", "Durand"], True, 1.5])
def test_a_json_body_is_refused_with_a_french_415_and_saves_nothing(app, wizard_at, value):
    client, token = wizard_at(3)
    before = counts(app)

    response = client.post(
        "/inscription/etape-3",
        headers={"X-CSRFToken": token},
        data=json.dumps(profile_data(last_name=value, civility=value)),
        content_type="application/json",
    )

    page = french_error(response, 415, "Format non pris en charge")
    assert UNSUPPORTED in page.text
    assert counts(app) == before


@pytest.mark.parametrize("url", ["/espace/connexion", "/activation/", "/recuperation/mot-de-passe"])
def test_a_json_login_activation_or_recovery_is_refused_with_a_french_415(
    app, fresh_browser, subscriber_id, url
):
    client = fresh_browser()
    token = token_of(client, url)

    response = client.post(
        url,
        headers={"X-CSRFToken": token},
        content_type="application/json",
        data=json.dumps(
            {"email": 5, "password": [PASSWORD], "code": {}, "subscriber_number": None}
        ),
    )

    french_error(response, 415, "Format non pris en charge")


def test_a_text_plain_body_is_refused_with_a_french_415(app, fresh_browser):
    client = fresh_browser()
    token = token_of(client, "/espace/connexion")

    response = client.post(
        "/espace/connexion",
        content_type="text/plain",
        data=f"csrf_token={token}&email={EMAIL}&password={PASSWORD}",
    )

    french_error(response, 415, "Format non pris en charge")


@pytest.mark.parametrize("field", ["last_name", "phone", "civility", "csrf_token"])
def test_a_file_sent_in_a_text_field_is_refused_and_saves_nothing(app, wizard_at, field):
    client, token = wizard_at(3)
    before = counts(app)
    fields = {"csrf_token": token, **profile_data()}
    fields[field] = FileStorage(io.BytesIO(b"Dupont"), "nom.txt", content_type="text/plain")

    response = client.post("/inscription/etape-3", data=fields)

    french_error(response, 400, "Requête invalide")
    assert counts(app) == before


def test_a_file_sent_to_the_login_form_is_refused(app, fresh_browser, subscriber_id):
    client = fresh_browser()
    token = token_of(client, "/espace/connexion")

    response = client.post(
        "/espace/connexion",
        data={
            "csrf_token": token,
            "password": PASSWORD,
            "email": FileStorage(io.BytesIO(EMAIL.encode()), "adresse.txt"),
        },
    )

    french_error(response, 400, "Requête invalide")


def test_the_import_still_takes_its_file_but_no_other(app, space):
    token = token_of(space, "/espace/dossiers/importer")
    csv = b"siren;nom\n732829320;Boulangerie Martin\n"

    def upload(**files):
        return space.post(
            "/espace/dossiers/importer",
            data={
                "csrf_token": token,
                **{
                    name: FileStorage(io.BytesIO(csv), "clients.csv", content_type="text/csv")
                    for name in files
                },
            },
        )

    refused = upload(file=True, other=True)
    accepted = upload(file=True)

    french_error(refused, 400, "Requête invalide")
    assert "1 dossier ajouté" in check_answer(accepted)


@pytest.mark.parametrize("number", TOO_BIG_NUMBERS)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/espace/dossiers/{}"),
        ("GET", "/espace/dossiers/{}/supprimer"),
        ("GET", "/espace/dossiers/1/adhesions/{}/retirer"),
        ("POST", "/espace/dossiers/1/adhesions/{}/retirer"),
        ("POST", "/espace/dossiers/{}/services/tva/adherer"),
    ],
)
def test_an_id_too_large_for_the_database_is_a_french_404(space, method, path, number):
    url = path.format(number)
    token = token_of(space, "/espace/")

    response = (
        space.post(url, data={"csrf_token": token, "tva-role": "mandataire"})
        if method == "POST"
        else space.get(url)
    )

    french_error(response, 404, "Page introuvable")


@pytest.mark.parametrize("number", TOO_BIG_NUMBERS)
@pytest.mark.parametrize("url", ["/espace/dossiers/", "/espace/historique"])
def test_a_page_number_too_large_shows_an_empty_page(space, url, number):
    response = space.get(url, query_string={"page": number})

    html = check_answer(response)
    assert response.status_code == 200
    assert "Page introuvable" not in html


def test_control_characters_are_left_out_of_a_dossier_search(space):
    response = space.get("/espace/dossiers/", query_string={"q": "Mar\x00tin\u202e\x07"})

    html = check_answer(response)
    assert response.status_code == 200
    assert Page(response).value("q") == "Martin"
    assert "Aucun dossier ne correspond à « Martin »." in Page(response).text
    assert "\x00" not in html
