"""The English catalogue is complete: every string the code and templates mark is in it,
translated, not fuzzy, with the same placeholders and markup, and compiled by install."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale, gettext

from tests.i18n.english import CATALOGUE, ROOT, catalogue

PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")
TAG_NAME = re.compile(r"</?([a-z]+)")


def _pairs(message):
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return ids, strings


def extracted(tmp_path: Path) -> set:
    """What `pybabel extract` (the Makefile's `translations` target) finds today."""
    template = tmp_path / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(template),
            str(ROOT),
        ]
    )
    with template.open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


def test_every_marked_string_is_in_the_english_catalogue(tmp_path):
    in_code = extracted(tmp_path)
    in_catalogue = {message.id for message in catalogue() if message.id}

    assert len(in_code) > 400  # the extraction saw the code, templates and mails
    assert sorted(map(str, in_code - in_catalogue)) == [], "run `make translations`"
    assert sorted(map(str, in_catalogue - in_code)) == [], "stale entries: `make translations`"


def test_every_entry_is_translated_and_none_is_fuzzy():
    entries = [message for message in catalogue() if message.id]

    assert [message.id for message in entries if message.fuzzy] == []
    untranslated = [message.id for message in entries if not all(_pairs(message)[1])]
    assert untranslated == []
    assert not catalogue().fuzzy  # a fuzzy header would make pybabel compile skip the file


def test_translations_keep_the_placeholders_and_the_markup():
    assert [error for _message, errors in catalogue().check() for error in errors] == []
    for message in catalogue():
        if not message.id:
            continue
        ids, strings = _pairs(message)
        for msgid in ids:
            for msgstr in strings:
                assert set(PLACEHOLDER.findall(msgstr)) == set(PLACEHOLDER.findall(msgid)), msgid
                assert Counter(TAG_NAME.findall(msgstr)) == Counter(TAG_NAME.findall(msgid)), msgid


def test_plural_entries_follow_english_rules():
    assert catalogue().plural_forms == "nplurals=2; plural=(n != 1);"
    plurals = [message for message in catalogue() if isinstance(message.id, tuple)]
    assert plurals and all(len(message.string) == 2 for message in plurals)


def test_the_install_step_compiled_the_catalogue(app: Flask):
    compiled = CATALOGUE.with_suffix(".mo")

    assert compiled.exists(), "make install compiles the .po (pybabel compile)"
    assert compiled.stat().st_mtime >= CATALOGUE.stat().st_mtime, "the .mo is older than the .po"
    with app.test_request_context(), force_locale("en"):
        assert gettext("Bonjour,") == "Hello,"
        assert gettext("1ère étape : acceptez les conditions générales") == (
            "Step 1: accept the terms of use"
        )
