"""Reading a CSV file of SIRENs and planning the import: no Flask, no database."""

from __future__ import annotations

import pytest

from web.dossiers.importing import (
    ADDED,
    MAX_LINES,
    REFUSED,
    FileLine,
    MalformedFile,
    plan,
    read_lines,
)

SIREN_A, SIREN_B, SIREN_C = "732829320", "552100554", "542107651"


def parsed(data: bytes, **kwargs) -> list[tuple[int, str, str, str | None]]:
    return [
        (line.number, line.siren, line.label, line.problem) for line in read_lines(data, **kwargs)
    ]


def test_semicolon_file_with_header_and_names():
    data = b"siren;nom\n732829320;Boulangerie Martin\n552100554;Transports Dupont\n"
    assert parsed(data) == [
        (2, SIREN_A, "Boulangerie Martin", None),
        (3, SIREN_B, "Transports Dupont", None),
    ]


def test_comma_file_without_header():
    data = b"732829320,Boulangerie Martin\r\n552100554,Transports Dupont\r\n"
    assert parsed(data) == [
        (1, SIREN_A, "Boulangerie Martin", None),
        (2, SIREN_B, "Transports Dupont", None),
    ]


def test_a_single_column_of_sirens_needs_no_delimiter():
    assert parsed(b"732829320\n552100554\n") == [(1, SIREN_A, "", None), (2, SIREN_B, "", None)]


def test_spaces_and_dots_inside_a_siren_are_tolerated():
    assert parsed("732 829 320;A\n552.100.554;B\n542\u00a0107\u00a0651;C".encode()) == [
        (1, SIREN_A, "A", None),
        (2, SIREN_B, "B", None),
        (3, SIREN_C, "C", None),
    ]


def test_utf8_byte_order_mark_is_ignored():
    data = "siren;nom\n732829320;Société Générale d'Études\n".encode("utf-8-sig")
    assert parsed(data) == [(2, SIREN_A, "Société Générale d'Études", None)]


def test_cp1252_names_keep_their_accents():
    data = "siren;nom\n732829320;Crêperie Léonie & Fils – Noël\n".encode("cp1252")
    assert parsed(data) == [(2, SIREN_A, "Crêperie Léonie & Fils – Noël", None)]


def test_header_columns_may_come_in_any_order_and_with_accents():
    data = "Raison sociale;N° SIREN;Ville\nBoulangerie Martin;732 829 320;Paris\n".encode()
    assert parsed(data) == [(2, SIREN_A, "Boulangerie Martin", None)]


def test_commas_inside_names_do_not_fool_the_delimiter_detection():
    data = b"732829320;Martin, Fils et Cie\n552100554;Dupont, Durand\n"
    assert parsed(data) == [
        (1, SIREN_A, "Martin, Fils et Cie", None),
        (2, SIREN_B, "Dupont, Durand", None),
    ]


def test_quoted_names_may_hold_the_delimiter():
    data = b'732829320,"Martin, Fils et Cie"\n'
    assert parsed(data) == [(1, SIREN_A, "Martin, Fils et Cie", None)]


def test_blank_lines_are_skipped_but_line_numbers_stay_true():
    assert parsed(b"732829320\n\n  \n552100554\n") == [
        (1, SIREN_A, "", None),
        (4, SIREN_B, "", None),
    ]


def test_each_bad_line_carries_its_own_french_reason():
    data = (
        "732829321;Clé fausse\n73282932;Huit chiffres\n;Sans SIREN\n"
        "ABCDEFGHI;Lettres\n552100554;" + "N" * 121 + "\n542107651;Nom\x07bip\n"
        "732829320;Bon\n"
    ).encode()
    lines = read_lines(data)
    problems = {line.number: line.problem for line in lines}
    assert "clé de contrôle" in problems[1]
    assert "9 chiffres" in problems[2]
    assert problems[3].startswith("Saisissez le S.I.R.E.N.")
    assert "9 chiffres" in problems[4]
    assert problems[5] == "Le nom dépasse 120 caractères."
    assert problems[6] == "Le nom contient un caractère non autorisé."
    assert problems[7] is None
    assert lines[0].siren == "732829321"  # a refused SIREN is reported as typed


def test_names_are_trimmed_and_inner_spaces_collapsed():
    assert parsed(b"732829320;  Boulangerie    Martin  \n") == [
        (1, SIREN_A, "Boulangerie Martin", None)
    ]


@pytest.mark.parametrize("data", [b"", b"   \r\n\n"])
def test_an_empty_file_is_malformed(data):
    with pytest.raises(MalformedFile, match="Le fichier est vide"):
        read_lines(data)


def test_a_header_alone_is_malformed():
    with pytest.raises(MalformedFile, match="aucune ligne de dossier"):
        read_lines(b"siren;nom\n")


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        "siren;nom\n732829320;Martin\n".encode("utf-16"),
        bytes(range(1, 32)) * 40,
    ],
)
def test_a_binary_file_is_malformed(data):
    with pytest.raises(MalformedFile, match="n'est pas un fichier CSV lisible"):
        read_lines(data)


def test_prose_is_not_a_file_of_sirens():
    with pytest.raises(MalformedFile, match="Aucune colonne SIREN"):
        read_lines(b"Bonjour,\nvoici la liste de mes clients.\nCordialement")


def test_a_header_without_a_siren_column_is_malformed():
    with pytest.raises(MalformedFile, match="pas de colonne « siren »"):
        read_lines(b"numero;nom\n732829320;Martin\n")


def test_more_than_the_maximum_number_of_lines_is_malformed():
    data = ("siren\n" + "732829320\n" * (MAX_LINES + 1)).encode()
    with pytest.raises(MalformedFile, match="plus de 5\u202f000 lignes"):
        read_lines(data)


def test_exactly_the_maximum_number_of_lines_is_read():
    assert len(read_lines(("siren\n" + "732829320\n" * MAX_LINES).encode())) == MAX_LINES


def test_a_file_over_the_size_limit_is_malformed():
    with pytest.raises(MalformedFile, match="taille maximale de 1 Mo"):
        read_lines(b"732829320\n" * 100_001)
    with pytest.raises(MalformedFile, match="taille maximale de 2 ko"):
        read_lines(b"732829320\n" * 201, max_bytes=2000)


def test_undecodable_bytes_in_both_encodings_are_malformed():
    # 0x81 is undefined in cp1252 and invalid as a UTF-8 start byte.
    with pytest.raises(MalformedFile, match="n'est pas un fichier CSV lisible"):
        read_lines(b"732829320;Martin\x81\n")


def line(number: int, siren: str, problem: str | None = None) -> FileLine:
    return FileLine(number, siren, f"Nom {number}", problem)


def test_plan_adds_new_lines_and_refuses_the_rest_with_reasons():
    report = plan(
        [
            line(1, SIREN_A),
            line(2, "123", "Le SIREN doit comporter 9 chiffres."),
            line(3, SIREN_B),
            line(4, SIREN_A),
            line(5, SIREN_C),
        ],
        existing={SIREN_B},
        limit=500,
    )
    assert [(row.number, row.status, row.reason) for row in report.rows] == [
        (1, ADDED, ""),
        (2, REFUSED, "Le SIREN doit comporter 9 chiffres."),
        (3, REFUSED, "Déjà présent dans votre espace."),
        (4, REFUSED, "En double dans le fichier (voir la ligne 1)."),
        (5, ADDED, ""),
    ]
    assert [row.siren for row in report.added] == [SIREN_A, SIREN_C]
    assert len(report.refused) == 3


def test_plan_stops_adding_at_the_limit_and_says_so():
    report = plan(
        [line(1, SIREN_A), line(2, SIREN_B), line(3, SIREN_C)], existing={"404833048"}, limit=3
    )
    assert [row.status for row in report.rows] == [ADDED, ADDED, REFUSED]
    assert report.rows[2].reason == (
        "Limite atteinte : votre espace ne peut pas dépasser 3 dossiers."
    )


def test_a_duplicate_of_a_line_already_in_the_space_is_reported_as_a_duplicate():
    report = plan([line(1, SIREN_A), line(2, SIREN_A)], existing={SIREN_A}, limit=10)
    assert [row.reason for row in report.rows] == [
        "Déjà présent dans votre espace.",
        "En double dans le fichier (voir la ligne 1).",
    ]
