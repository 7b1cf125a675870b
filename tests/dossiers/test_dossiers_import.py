"""Bulk import from a CSV file: a line-by-line report; a malformed file changes nothing."""

from __future__ import annotations

from html import unescape

import pytest

from tests.dossiers.space import Space
from tests.support import valid_siren
from tests.web.pages import Page
from web.models import AuditEvent, Dossier


def report(html: str) -> list[tuple[str, int, str, str, str]]:
    """The report table: (status, line, SIREN, name, result)."""
    rows = []
    for row in Page(html).table_rows():
        (status,) = (name.removeprefix("import-report__") for name in row.classes())
        number, siren, name, result = (cell.text for cell in row.find_all("td"))
        rows.append((status, int(number), siren, name, result))
    return rows


def text(response) -> str:
    """The page with its character references decoded (messages hold apostrophes)."""
    return unescape(response.get_data(as_text=True))


def test_the_import_page_explains_the_format(space: Space):
    page = space.client.get("/espace/dossiers/importer").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert '<label for="file">Fichier CSV' in page
    assert 'type="file"' in page
    assert "point-virgule ou virgule" in page
    assert "5\u202f000 lignes et 1 Mo au maximum" in page


def test_a_mixed_file_adds_the_good_lines_and_reports_every_line(space: Space):
    space.add("542107651", "Déjà là")
    data = (
        "siren;nom\n"
        "732 829 320;Boulangerie Martin\n"
        "732829321;Clé fausse\n"
        "552100554;Garage Durand\n"
        "73282932;Huit chiffres\n"
        "542107651;Encore lui\n"
        "732829320;Doublon\n"
    ).encode()
    response = space.upload(data)
    page = text(response)
    assert response.status_code == 200
    assert "2 dossiers ajoutés, 4 lignes refusées." in page
    assert report(page) == [
        ("added", 2, "732 829 320", "Boulangerie Martin", "Ajouté"),
        (
            "refused",
            3,
            "732 829 321",
            "Clé fausse",
            "Refusé : Le SIREN saisi n'est pas valide : vérifiez la clé de contrôle "
            "(dernier chiffre).",
        ),
        ("added", 4, "552 100 554", "Garage Durand", "Ajouté"),
        ("refused", 5, "73282932", "Huit chiffres", "Refusé : Le SIREN doit comporter 9 chiffres."),
        ("refused", 6, "542 107 651", "Encore lui", "Refusé : Déjà présent dans votre espace."),
        (
            "refused",
            7,
            "732 829 320",
            "Doublon",
            "Refusé : En double dans le fichier (voir la ligne 2).",
        ),
    ]
    assert space.sirens() == ["542107651", "732829320", "552100554"]
    assert space.dossiers()[1].label == "Boulangerie Martin"


def test_an_import_is_recorded_once_in_the_history(space: Space):
    space.upload(b"732829320\n552100554\n123\n")
    [event] = space.events("dossiers_imported")
    assert event.detail == "2 ajouté(s), 1 refusé(s)"
    assert space.events("dossier_added") == []
    history = space.client.get("/espace/historique").get_data(as_text=True)
    assert "Dossiers importés" in history and "2 ajouté(s), 1 refusé(s)" in history


@pytest.mark.parametrize(
    "data",
    [
        b"siren,nom\r\n732829320,Boulangerie Martin\r\n552100554,Garage Durand\r\n",
        "siren;nom\n732829320;Boulangerie Martin\n552100554;Garage Durand\n".encode("utf-8-sig"),
        "732829320;Boulangerie Martin\n552100554;Garage Durand\n".encode("cp1252"),
    ],
    ids=["comma", "utf8-bom-semicolon", "cp1252-no-header"],
)
def test_both_delimiters_and_encodings_are_read(space: Space, data: bytes):
    page = space.upload(data).get_data(as_text=True)
    assert "2 dossiers ajoutés, aucune ligne refusée." in page
    assert [(d.siren, d.label) for d in space.dossiers()] == [
        ("732829320", "Boulangerie Martin"),
        ("552100554", "Garage Durand"),
    ]


def test_windows_names_keep_their_accents(space: Space):
    space.upload("siren;nom\n732829320;Crêperie Léonie – Noël & Fils\n".encode("cp1252"))
    assert space.dossiers()[0].label == "Crêperie Léonie – Noël & Fils"
    page = space.client.get("/espace/dossiers/").get_data(as_text=True)
    assert "Crêperie Léonie – Noël &amp; Fils" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (None, "Choisissez le fichier CSV à importer."),
        (b"", "Le fichier est vide."),
        (b"\n\n", "Le fichier est vide."),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
            "n'est pas un fichier CSV lisible",
        ),
        (b"Bonjour,\nvoici mes clients.", "Aucune colonne SIREN n'a été trouvée"),
        (b"numero;nom\n732829320;Martin\n", "L'en-tête du fichier n'a pas de colonne « siren »"),
        (("siren\n" + "732829320\n" * 5001).encode(), "plus de 5\u202f000 lignes de dossiers"),
        (b"732829320;" + b"x" * 1_000_000, "dépasse la taille maximale de 1 Mo"),
    ],
    ids=[
        "no-file",
        "empty",
        "blank",
        "binary",
        "prose",
        "header-without-siren",
        "5001-lines",
        "over-1MB",
    ],
)
def test_a_malformed_file_gets_one_clear_error_and_changes_nothing(
    space: Space, count, data: bytes | None, message: str
):
    space.add("542107651")
    before = count(AuditEvent)
    response = space.upload(data)
    page = text(response)
    assert response.status_code == 200
    assert "Le formulaire contient des erreurs" in page
    assert 'id="file-error"' in page and message in page
    assert "Compte rendu de l'import" not in page
    assert space.sirens() == ["542107651"]
    assert count(Dossier) == 1 and count(AuditEvent) == before


def test_an_upload_over_the_request_limit_gets_the_same_clear_error(space: Space, count):
    response = space.upload(b"732829320\n" * 120_000)  # 1.2 MB: cut before the view runs
    page = text(response)
    assert response.status_code == 413
    assert "Le fichier dépasse la taille maximale de 1 Mo" in page
    assert '<label for="file">Fichier CSV' in page
    assert count(Dossier) == 0


def test_an_upload_over_the_limit_elsewhere_gets_the_generic_page(space: Space):
    response = space.client.post(
        "/espace/dossiers/ajouter", data={"label": "x" * 1_100_000, "siren": "732829320"}
    )
    assert response.status_code == 413
    assert "Envoi trop volumineux" in response.get_data(as_text=True)
    assert space.sirens() == []


def test_importing_the_same_file_twice_adds_nothing_the_second_time(space: Space):
    data = b"732829320;Boulangerie Martin\n552100554;Garage Durand\n"
    space.upload(data)
    page = space.upload(data).get_data(as_text=True)
    assert "Aucun dossier ajouté, 2 lignes refusées." in page
    assert page.count("Déjà présent dans votre espace.") == 2
    assert space.sirens() == ["732829320", "552100554"]


def test_an_import_of_5000_lines_is_accepted(space: Space, app):
    app.config["DOSSIER_LIMIT"] = 10_000
    data = "\n".join(valid_siren(n) for n in range(5000)).encode()
    page = space.upload(data).get_data(as_text=True)
    assert "5000 dossiers ajoutés, aucune ligne refusée." in page
    assert len(space.sirens()) == 5000
