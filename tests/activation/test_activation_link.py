"""The mail's activation link: an opaque reference, out of the address bar once followed,
good for as long as the code it came with, and a French message whenever it is not."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import zlib

from itsdangerous import URLSafeTimedSerializer

from tests.activation.helpers import (
    EMAIL,
    activate,
    activated_number,
    activation_link,
    mails_to,
    path_of,
    resend,
)
from tests.support import code_from
from tests.web.pages import Page

LINK_SPENT = (
    "Ce lien ne sert plus : le code qu'il accompagnait a déjà été utilisé ou remplacé par un "
    "nouveau code. Saisissez votre adresse électronique et le dernier code reçu."
)
LINK_INVALID = "Ce lien n'est pas valide : saisissez votre adresse électronique."


def token_of(mail) -> str:
    return activation_link(mail).split("jeton=", 1)[1]


def decodings(token: str) -> list[bytes]:
    """Every reading of the token's parts: as they are, base64 (URL-safe or not), inflated."""
    found = [token.encode()]
    for part in token.split("."):
        found.append(part.encode())
        for decode in (base64.urlsafe_b64decode, base64.b64decode):
            try:
                raw = decode(part + "=" * (-len(part) % 4))
            except (binascii.Error, ValueError):
                continue
            found.append(raw)
            with contextlib.suppress(zlib.error):
                found.append(zlib.decompress(raw))
    return found


def followed(client, link: str) -> Page:
    """Follow a mailed link as a browser does; the page it ends on, checked token-free."""
    response = client.get(path_of(link), follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == "/activation/"
    assert "jeton" not in response.request.url
    return Page(response)


def test_the_link_carries_neither_the_address_nor_the_registration_id(
    sign_up, outbox, registration
):
    sign_up()
    token = token_of(outbox[0])
    space_id = registration().id

    for reading in decodings(token):
        lowered = reading.lower()
        assert b"helene" not in lowered and b"example.com" not in lowered, reading
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    # A random reference of 24 bytes: no number, nothing to count from.
    assert isinstance(payload, str) and len(payload) == 32
    assert payload != str(space_id)


def test_redis_keeps_only_a_keyed_hash_of_the_reference(sign_up, outbox, redis_client):
    sign_up()
    reference = json.loads(base64.urlsafe_b64decode(token_of(outbox[0]).split(".")[0] + "=="))

    keys = list(redis_client.scan_iter("activation:link:*"))
    assert len(keys) == 1
    for key in redis_client.scan_iter("*"):
        assert reference.encode() not in key
        assert reference.encode() not in (redis_client.dump(key) or b"")


def test_two_mails_get_unrelated_links(client, sign_up, run_worker, outbox):
    sign_up(client=client)
    resend(client)
    run_worker()

    first, second = (token_of(mail) for mail in mails_to(outbox, EMAIL))
    assert first.split(".")[0] != second.split(".")[0]


def test_the_link_serves_one_activation_only(app, sign_up, outbox):
    code = sign_up()
    link = activation_link(outbox[0])
    browser = app.test_client()

    assert followed(browser, link).value("email") == EMAIL
    # Followed twice (a mail scanner may open it first): still the same address.
    assert followed(browser, link).value("email") == EMAIL
    assert activated_number(activate(browser, EMAIL, code)) is not None

    page = Page(browser.get("/activation/"))
    assert page.value("email") == ""
    again = followed(app.test_client(), link)
    assert LINK_SPENT in again.notices()
    assert again.value("email") == ""


def test_a_new_code_retires_the_previous_mail_s_link(app, client, sign_up, run_worker, outbox):
    sign_up(client=client)
    resend(client)
    run_worker()
    old, new = mails_to(outbox, EMAIL)

    stale = followed(app.test_client(), activation_link(old))
    assert LINK_SPENT in stale.notices()
    assert stale.value("email") == ""
    browser = app.test_client()
    fresh = followed(browser, activation_link(new))
    assert fresh.notices() == [] and fresh.value("email") == EMAIL
    assert activated_number(activate(browser, EMAIL, code_from(new))) is not None


def test_a_link_of_the_older_kind_gets_a_french_message(app, client, sign_up):
    sign_up()
    with app.app_context():
        # What mails sent before this change carry: the address, signed.
        older = URLSafeTimedSerializer(
            app.config["SECRET_KEY"], salt="espace-pro.activation-link"
        ).dumps(EMAIL)

    page = followed(client, f"http://espace-pro.example.com/activation/?jeton={older}")

    assert LINK_INVALID in page.notices()
    assert page.value("email") == ""
    assert page.h1 == "Activez votre espace abonné"
