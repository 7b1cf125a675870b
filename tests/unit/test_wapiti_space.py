"""Unit tests for the logged-in wapiti scan: its space, its cookie, what it leaves out."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from http.cookiejar import Cookie, CookieJar
from pathlib import Path

import pytest
from flask import Flask, url_for

from tests.support import csrf_token
from tests.web.pages import Page

ROOT = Path(__file__).resolve().parents[2]
SCAN_SCRIPT = (ROOT / "scripts/wapiti_scan.sh").read_text(encoding="utf-8")


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / f"scripts/{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


wapiti_run = load("wapiti_run")
wapiti_space = load("wapiti_space")


def test_the_seeded_space_logs_in_and_shows_every_adhesion_form(app: Flask) -> None:
    bare, joined = wapiti_space.seed(app, "Un mot de passe du scan")
    client = app.test_client()
    token = csrf_token(client.get("/espace/connexion").get_data(as_text=True))
    response = client.post(
        "/espace/connexion",
        data={
            "csrf_token": token,
            "email": wapiti_space.EMAIL,
            "password": "Un mot de passe du scan",
        },
    )
    assert response.headers["Location"] == "/espace/"
    forms = Page(client.get(f"/espace/dossiers/{bare}")).root.find_all("form")
    adhere = [form for form in forms if form.attrs["action"].endswith("/adherer")]
    assert len(adhere) == 6
    page = client.get(f"/espace/dossiers/{joined}").get_data(as_text=True)
    assert "/retirer" in page and "Adhésions retirées" in page


def test_the_scan_leaves_out_what_would_end_its_session_or_its_dossier(app: Flask) -> None:
    excluded = re.findall(r'-x "\$base([^"]+)"', SCAN_SCRIPT)
    with app.test_request_context():
        needed = [
            url_for("account.logout"),
            url_for("account.end_session"),
            url_for("dossiers.remove", dossier_id=7).replace("/7/", "/*/"),
        ]
    assert sorted(excluded) == sorted(needed)
    pattern = wapiti_run.wildcard_translate("http://127.0.0.1:5000/espace/dossiers/*/supprimer")
    assert pattern.match("http://127.0.0.1:5000/espace/dossiers/12/supprimer")
    assert not pattern.match("http://127.0.0.1:5000/espace/dossiers/12")


def cookie(name: str, value: str) -> Cookie:
    return Cookie(
        0, name, value, None, False, "127.0.0.1", False, False, "/", True, False, None, False,
        None, None, {},
    )  # fmt: skip


def test_the_session_cookie_is_handed_to_wapiti_in_its_json_format(tmp_path: Path) -> None:
    jar = CookieJar()
    jar.set_cookie(cookie("session", "abc.def"))
    jar.set_cookie(cookie("lang", "fr"))
    cookies = wapiti_space.wapiti_cookies(jar)
    assert cookies["127.0.0.1"]["/"]["session"] == {
        "value": "abc.def",
        "expires": None,
        "secure": False,
        "port": None,
        "version": 0,
    }
    path = tmp_path / "cookies.json"
    path.write_text(json.dumps(cookies))
    assert sorted(wapiti_space.cookie_header(path).split("; ")) == ["lang=fr", "session=abc.def"]


@pytest.mark.parametrize(
    "base", ["http://localhost:5000/", "https://127.0.0.1:5000/", "http://example.com/"]
)
def test_the_scan_helper_talks_to_the_loopback_address_only(base: str) -> None:
    with pytest.raises(SystemExit):
        wapiti_space.loopback(base)
    assert wapiti_space.loopback("http://127.0.0.1:5000/") == "http://127.0.0.1:5000/"
