"""Unit tests for scripts/wapiti_run.py: the two faults of wapiti 3.0.4 it mends."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import requests
from werkzeug.formparser import parse_form_data
from werkzeug.test import EnvironBuilder

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("wapiti_run", ROOT / "scripts/wapiti_run.py")
wapiti_run = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("wapiti_run", wapiti_run)
_spec.loader.exec_module(wapiti_run)


def test_exclusion_patterns_compile_and_match_whole_urls_only() -> None:
    # wapiti 3.0.4 put the flags last (…\Z(?ms)): Python 3.11 refuses to compile that.
    pattern = wapiti_run.wildcard_translate("http://127.0.0.1:80/espace/deconnexion")
    assert pattern.match("http://127.0.0.1:80/espace/deconnexion")
    assert not pattern.match("http://127.0.0.1:80/espace/deconnexion/autre")
    assert not pattern.match("http://127.0.0.1:80/espace/deconnexionX")
    assert not pattern.match("http://127a0a0a1:80/espace/deconnexion")  # dots are literal


def multipart(files: list) -> tuple[dict, dict]:
    """What a server reads from requests' multipart body: (form fields, file fields)."""
    prepared = requests.Request("POST", "http://127.0.0.1/", files=files).prepare()
    environ = EnvironBuilder(
        method="POST", data=prepared.body, content_type=prepared.headers["Content-Type"]
    ).get_environ()
    _, form, uploaded = parse_form_data(environ)
    files = {}
    for name, upload in uploaded.items():
        files[name] = upload.filename
        upload.close()
    return dict(form), files


def test_multipart_text_fields_reach_the_form_as_fields() -> None:
    parts = [["csrf_token", "jeton"], ["label", None], ["file", ["pix.gif", "GIF89a", "image/gif"]]]
    # As wapiti 3.0.4 sends them: the token arrives as a file named after the field.
    form, files = multipart(parts)
    assert "csrf_token" not in form and files["csrf_token"] == "csrf_token"
    form, files = multipart(wapiti_run.as_form_fields(parts))
    assert form == {"csrf_token": "jeton", "label": ""}
    assert files == {"file": "pix.gif"}
    assert wapiti_run.as_form_fields(None) is None
