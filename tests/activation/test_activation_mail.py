"""The activation mail: French, multipart, a grouped 60-bit code, the Paris deadline, a link;
Redis keeps only the code's keyed hash, for 48 h from the hand-off to SMTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.activation.helpers import (
    CODE_PATTERN,
    EMAIL,
    REFUSED,
    activate,
    activated_number,
    activation_link,
    html_of,
    path_of,
    refusal_text,
    text_of,
)
from tests.web.pages import Page
from web.core.secrets import codes
from web.core.secrets.codes import ALPHABET, code_digest

# Hand-off on 29 March 2026 at 00:30 UTC (01:30 in Paris, winter time); Paris moves to
# summer time that night, so 48 h later is 31 March at 02:30 in Paris, not 01:30.
HAND_OFF = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
DEADLINE_IN_PARIS = "31 mars 2026 à 02:30"
LINK_EXPIRED = "Ce lien a expiré : le délai de 48 heures est dépassé."
LINK_INVALID = "Ce lien n'est pas valide : saisissez votre adresse électronique."


def test_code_mail_is_a_french_multipart_mail(sign_up, outbox):
    sign_up()

    (mail,) = outbox
    assert mail["To"] == EMAIL
    assert mail["Subject"] == "Votre code d'activation espace-pro"
    # Flask-Mail wraps the alternative in a multipart/mixed (for attachments): none here.
    leaves = [part.get_content_type() for part in mail.walk() if not part.is_multipart()]
    assert leaves == ["text/plain", "text/html"]
    (alternative,) = [
        part for part in mail.walk() if part.get_content_type() == "multipart/alternative"
    ]
    assert [part.get_content_type() for part in alternative.iter_parts()] == leaves
    assert {part.get_content_charset() for part in alternative.iter_parts()} == {"utf-8"}
    text, html = text_of(mail), html_of(mail)
    assert text.startswith("Bonjour,")
    assert '<html lang="fr">' in html
    for part in (text, Page(html).root.text):
        assert "Voici votre code d'activation pour votre espace abonné espace-pro" in part
        assert "Ce code n'est pas un mot de passe." in part
        assert "Il ne doit être utilisé qu'une seule fois" in part


def test_code_is_three_groups_of_four_crockford_characters_in_both_parts(sign_up, outbox):
    code = sign_up()

    assert CODE_PATTERN.fullmatch(code), code
    raw = code.replace("-", "")
    assert len(raw) == 12 and set(raw) <= set(ALPHABET)
    assert len(set(ALPHABET)) == 32  # 5 bits a character: 12 characters carry 60 bits
    assert not set(raw) & set("ILOU")
    assert CODE_PATTERN.findall(text_of(outbox[0])) == [code]
    assert CODE_PATTERN.findall(Page(html_of(outbox[0])).root.text) == [code]


def test_two_sign_ups_get_different_codes(sign_up):
    first = sign_up("helene.lefevre@example.com")
    second = sign_up("marc.durand@example.com")

    assert first != second


def test_deadline_is_hand_off_plus_48_hours_in_paris_time_across_the_dst_switch(
    time_machine, client, sign_up, outbox, registration
):
    time_machine.move_to(HAND_OFF, tick=True)

    sign_up(client=client)

    mail = outbox[0]
    sentence = f"ce code est valable jusqu'au {DEADLINE_IN_PARIS} (heure de Paris)."
    assert sentence in text_of(mail)
    assert sentence in Page(html_of(mail)).root.text
    space = registration()
    assert space.code_sent_at - HAND_OFF.replace(tzinfo=None) < timedelta(seconds=30)
    assert space.code_expires_at == space.code_sent_at + timedelta(hours=48)
    waiting = Page(client.get("/inscription/attente"))
    assert f"soit jusqu'au {DEADLINE_IN_PARIS} (heure de Paris)" in waiting.text


def test_mail_link_opens_the_activation_page_with_the_address_filled_in(client, sign_up, outbox):
    code = sign_up()
    link = activation_link(outbox[0])

    assert link.startswith("http://espace-pro.example.com/activation/?jeton=")
    assert link in text_of(outbox[0])
    response = client.get(path_of(link))
    # The token leaves the address bar (and history, and Referer) at once.
    assert response.status_code == 302
    assert response.headers["Location"] == "/activation/"
    page = Page(client.get("/activation/"))
    assert page.h1 == "Activez votre espace abonné"
    assert page.value("email") == EMAIL
    assert page.value("code") == ""
    assert page.notices() == []
    # The link fills in the address only: the code is still typed from the mail.
    assert code not in page.html
    assert activated_number(activate(client, EMAIL, code)) is not None


def test_mail_link_past_48_hours_says_it_expired(time_machine, client, sign_up, outbox):
    time_machine.move_to(HAND_OFF, tick=True)
    sign_up()
    link = path_of(activation_link(outbox[0]))

    time_machine.shift(timedelta(hours=48, minutes=1))
    response = client.get(link, follow_redirects=True)

    assert response.request.path == "/activation/" and not response.request.query_string
    page = Page(response)
    assert any(notice.startswith(LINK_EXPIRED) for notice in page.notices()), page.notices()
    assert page.value("email") == ""


def test_mail_link_just_before_48_hours_still_fills_in_the_address(
    time_machine, client, sign_up, outbox
):
    time_machine.move_to(HAND_OFF, tick=True)
    sign_up()
    link = path_of(activation_link(outbox[0]))

    time_machine.shift(timedelta(hours=47, minutes=59))
    page = Page(client.get(link, follow_redirects=True))

    assert page.notices() == []
    assert page.value("email") == EMAIL


@pytest.mark.parametrize(
    "tamper",
    [
        # A character inside the signature (the last one may only carry base64 padding bits).
        lambda token: token[:-10] + ("A" if token[-10] != "A" else "B") + token[-9:],
        lambda token: "x" + token,  # payload changed
        lambda token: "pas-un-jeton",
        lambda token: "",
    ],
)
def test_tampered_mail_link_says_it_is_invalid(client, sign_up, outbox, tamper):
    sign_up()
    link = activation_link(outbox[0])
    token = link.split("jeton=", 1)[1]

    response = client.get("/activation/", query_string={"jeton": tamper(token)})

    assert response.status_code == 302 and response.headers["Location"] == "/activation/"
    page = Page(client.get("/activation/"))
    assert LINK_INVALID in page.notices()
    assert page.value("email") == ""


# --- Redis holds the keyed hash only --------------------------------------------------------


def test_redis_keeps_only_the_keyed_hash_of_the_code_for_48_hours(
    app, sign_up, registration, redis_client
):
    code = sign_up()
    space = registration()

    stored = redis_client.get(f"activation:code:{space.id}")
    assert stored.decode() == code_digest(app.config["SECRET_KEY"], space.id, code)
    assert 172800 - 5 <= redis_client.ttl(f"activation:code:{space.id}") <= 172800
    # The hash depends on the key: without SECRET_KEY the 60-bit code cannot be brute-forced.
    assert stored.decode() != code_digest("another-secret", space.id, code)
    for key in redis_client.scan_iter("activation:*"):
        value = redis_client.dump(key) or b""
        for form in (code, code.replace("-", ""), code.lower()):
            assert form.encode() not in value


@pytest.mark.app_config(ACTIVATION_CODE_TTL_SECONDS=600)
def test_code_lifetime_follows_the_configured_ttl(sign_up, registration, redis_client):
    sign_up()

    assert 595 <= redis_client.ttl(f"activation:code:{registration().id}") <= 600


# --- what the person types -------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: code.lower(),
        lambda code: code.replace("-", ""),
        lambda code: code.replace("-", " ").lower(),
        lambda code: "  " + " ".join(code.replace("-", "")) + "  ",
        lambda code: code[:4].lower() + "-" + code[5:9] + " " + code[10:].lower(),
    ],
    ids=["lower-case", "no-dashes", "spaces", "spaced-out", "mixed"],
)
def test_code_ignores_case_spaces_and_dashes(client, sign_up, typed):
    code = sign_up()

    response = activate(client, EMAIL.upper(), typed(code))

    assert activated_number(response) is not None, refusal_text(response)


def test_code_with_one_character_changed_is_refused(client, sign_up):
    code = sign_up()
    changed = ALPHABET[(ALPHABET.index(code[0]) + 1) % len(ALPHABET)] + code[1:]

    response = activate(client, EMAIL, changed)

    assert refusal_text(response).startswith(REFUSED)
    assert activated_number(activate(client, EMAIL, code)) is not None


def test_code_of_the_wrong_length_is_told_next_to_the_field(client, sign_up):
    code = sign_up()

    response = activate(client, EMAIL, code[:-1])

    page = Page(response)
    assert page.error("code") == (
        "Erreur : Le code d'activation comporte 12 lettres et chiffres (exemple : ABCD-EF12-3456)."
    )
    assert refusal_text(response) is None
    assert activated_number(activate(client, EMAIL, code)) is not None


def test_letters_o_i_and_l_typed_for_digits_0_and_1_are_accepted(client, sign_up, monkeypatch):
    # Crockford base32 has no O, I or L: read from a mail, they can only mean 0 and 1.
    monkeypatch.setattr(codes, "generate_code", lambda: "10AB-CD01-EF1Z")
    code = sign_up()
    assert code == "10AB-CD01-EF1Z"

    response = activate(client, EMAIL, "lOab-cdoI-ef1z")

    assert activated_number(response) is not None, refusal_text(response)
