"""A subscriber space for the logged-in wapiti scan (scripts/wapiti_scan.sh).

Usage (run from the project root, with the scanned stack's environment: INSTANCE_PATH…):
  wapiti_space.py log-in BASE_URL COOKIE_FILE   seed a space, log in, print its dossiers' ids
  wapiti_space.py still-in BASE_URL COOKIE_FILE PATH   exit 1 unless PATH answers 200

`log-in` inserts in the stack's database an active subscriber (scan@example.com, a random
password that exists only in this process) with two dossiers, one of them with a current
and a withdrawn adhesion; logs in through the login page as a browser does (its CSRF token
included); and writes the session cookie in wapiti's JSON cookie format (`wapiti -c`).
`still-in` tells whether that cookie still opens the space: a scan that logged itself out
proves nothing.
"""

from __future__ import annotations

import json
import re
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

EMAIL = "scan@example.com"
SIREN = "732829320"
OTHER_SIREN = "552100554"
CSRF = re.compile(r'name="csrf_token"[^>]*? value="([^"]+)"')


def seed(app: Flask, password: str) -> tuple[int, int]:
    """The active space and its two dossiers; return their ids.

    The first has no adhesion (all its « Adhérer » forms show), the second one current
    adhesion (its « Retirer » form) and one withdrawn.
    """
    from web.core.secrets.hashing import hash_secret, hasher
    from web.core.terms import TERMS_VERSION
    from web.domain.subscriber_number import subscriber_number
    from web.extensions import db
    from web.models import (
        Adhesion,
        Dossier,
        Registration,
        RegistrationState,
        SubscriberCounter,
        utcnow,
    )

    with app.app_context():
        now = utcnow()
        registration = Registration(
            state=RegistrationState.ACTIVE,
            email=EMAIL,
            password_hash=hash_secret(hasher(), password),
            terms_version=TERMS_VERSION,
            terms_accepted_at=now,
            civility="mme",
            last_name="Lefèvre",
            first_name="Hélène",
            company_id=SIREN,
            phone="+33612345678",
            contact_email=EMAIL,
            street_number="12",
            street_type="rue",
            street_name="des Lilas",
            postal_code="75011",
            city="Paris",
            country="FR",
            trust_question="first_pet",
            trust_answer_hash=hash_secret(hasher(), secrets.token_urlsafe(12)),
            created_at=now,
            code_sent_at=now,
            activated_at=now,
        )
        db.session.add(registration)
        db.session.flush()
        counter = SubscriberCounter(registration_id=registration.id, issued_at=now)
        db.session.add(counter)
        db.session.flush()
        registration.subscriber_number = subscriber_number(now, counter.id)
        bare = Dossier(registration_id=registration.id, siren=SIREN, label="Boulangerie Martin")
        joined = Dossier(registration_id=registration.id, siren=OTHER_SIREN, label="Garage Durand")
        joined.adhesions = [
            Adhesion(service="tva", role="mandataire"),
            Adhesion(service="cfe", role="representant_legal", withdrawn_at=now),
        ]
        db.session.add_all([bare, joined])
        db.session.commit()
        return bare.id, joined.id


def browser(jar: CookieJar) -> urllib.request.OpenerDirector:
    """A client that keeps cookies and never goes through a proxy (loopback only)."""
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(jar)
    )


def log_in(base: str, password: str) -> CookieJar:
    """Log in through the page; the cookies of the logged-in browser."""
    jar = CookieJar()
    opener = browser(jar)
    url = base.rstrip("/") + "/espace/connexion"
    with opener.open(url, timeout=10) as response:
        match = CSRF.search(response.read().decode("utf-8"))
    if match is None:
        raise SystemExit("wapiti space: no CSRF token on the login page")
    body = urllib.parse.urlencode(
        {"csrf_token": match.group(1), "email": EMAIL, "password": password}
    ).encode()
    with opener.open(url, data=body, timeout=30) as response:
        landed = urllib.parse.urlsplit(response.geturl()).path
    if landed != "/espace/":
        raise SystemExit(f"wapiti space: the login ended on {landed}, not in the space")
    return jar


def wapiti_cookies(jar: CookieJar) -> dict:
    """The jar in wapiti's JSON format: {domain: {path: {name: attributes}}}."""
    cookies: dict = {}
    for cookie in jar:
        cookies.setdefault(cookie.domain, {}).setdefault(cookie.path, {})[cookie.name] = {
            "value": cookie.value,
            "expires": cookie.expires,
            "secure": cookie.secure,
            "port": None,
            "version": cookie.version or 0,
        }
    return cookies


def cookie_header(cookie_file: Path) -> str:
    """The Cookie header wapiti sends from its JSON cookie file."""
    return "; ".join(
        f"{name}={attributes['value']}"
        for paths in json.loads(cookie_file.read_text()).values()
        for names in paths.values()
        for name, attributes in names.items()
    )


def still_in(base: str, cookie_file: Path, path: str) -> int:
    """0 when the cookie still opens `path` (200, not sent to the login page)."""
    url = base.rstrip("/") + path
    cookies = {"Cookie": cookie_header(cookie_file)}
    request = urllib.request.Request(url, headers=cookies)  # noqa: S310 - loopback (main)
    try:
        with browser(CookieJar()).open(request, timeout=10) as response:
            landed, status = urllib.parse.urlsplit(response.geturl()).path, response.status
    except urllib.error.HTTPError as error:
        landed, status = path, error.code
    if status == 200 and landed == path:
        return 0
    print(f"wapiti space: {path} answered {status} at {landed}: the scan lost its session")
    return 1


def loopback(base: str) -> str:
    """The base URL, refused unless it is plain HTTP on 127.0.0.1."""
    parts = urllib.parse.urlsplit(base)
    if parts.scheme != "http" or parts.hostname != "127.0.0.1":
        raise SystemExit(f"wapiti space: {base} is not http://127.0.0.1:<port>/")
    return base


def main(argv: list[str]) -> int:
    """Dispatch the two commands."""
    if len(argv) > 2:
        loopback(argv[2])
    if len(argv) == 4 and argv[1] == "log-in":
        password = secrets.token_urlsafe(24)
        from web import create_app

        dossier_ids = seed(create_app(), password)
        jar = log_in(argv[2], password)
        Path(argv[3]).write_text(json.dumps(wapiti_cookies(jar), indent=2))
        print(*dossier_ids)
        return 0
    if len(argv) == 5 and argv[1] == "still-in":
        return still_in(argv[2], Path(argv[3]), argv[4])
    print(__doc__.strip().split("\n\n")[0], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
