"""The pure modules' messages read as French and translate in the web layer, numbers
included (grouped the reader's way)."""

from __future__ import annotations

from flask import Flask
from flask_babel import force_locale

from web.core.i18n import translate, translate_error
from web.domain import N_, Number, Phrase
from web.domain.address import country_choices, country_name
from web.domain.passwords import PasswordPolicy, password_problems
from web.dossiers import importing


def test_a_phrase_reads_as_its_french_text_and_keeps_its_msgid():
    phrase = N_(
        "Le fichier contient plus de %(count)s lignes (ligne %(line)d).", count=Number(5000), line=3
    )

    assert isinstance(phrase, Phrase)
    assert phrase == "Le fichier contient plus de 5\u202f000 lignes (ligne 3)."
    assert phrase.msgid == "Le fichier contient plus de %(count)s lignes (ligne %(line)d)."


def test_domain_messages_translate_with_their_values(app: Flask):
    (too_short,) = password_problems("Kq7vTz2", "", PasswordPolicy())
    with app.test_request_context(), force_locale("en"):
        assert translate(too_short) == "The password must have at least 8 characters."
        assert translate_error(importing.too_big(1_000_000)) == (
            "The file is larger than the maximum size of 1 MB: split it into several files."
        )
        assert translate(
            N_(
                "Le fichier contient plus de %(count)s lignes de dossiers : "
                "découpez-le en plusieurs fichiers.",
                count=Number(5000),
            )
        ) == ("The file has more than 5,000 dossier lines: split it into several files.")
    with app.test_request_context(), force_locale("fr"):
        assert translate(too_short) == "Le mot de passe doit contenir au moins 8 caractères."


def test_countries_have_english_names_for_english_pages():
    assert country_name("DE", "en") == "Germany" and country_name("DE") == "Allemagne"
    assert country_choices("en")[0] == ("FR", "France")
    assert dict(country_choices("en"))["KR"] == "South Korea"
