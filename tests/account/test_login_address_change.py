"""« Modifier mon adresse de connexion »: password first, a code to the new mailbox, the old
address told at the request and at the change, other sessions ended, no enumeration."""

from __future__ import annotations

import re

import pytest

from tests.account.spaces import activate_another_space, browser, is_logged_in, page
from tests.support import EMAIL, PASSWORD, SECOND_EMAIL, code_from, log_in, post_form, text_of
from web.domain.masking import mask_email
from web.extensions import db
from web.models import AuditEvent, Registration

URL = "/espace/adresse-de-connexion"
CONFIRM = "/espace/adresse-de-connexion/confirmer"
NEW_EMAIL = "helene.nouvelle@example.com"
PENDING_KEY = "account:address-change:{}"


def ask(client, new: str = NEW_EMAIL, password: str = PASSWORD):
    return post_form(client, URL, {"current_password": password, "new_email": new})


def confirm(client, code: str):
    return post_form(client, CONFIRM, {"code": code})


def field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else ""


def mails_to(outbox: list, address: str) -> list:
    return [mail for mail in outbox if mail["To"] == address]


def stored(app, subscriber_id: int) -> Registration:
    with app.app_context():
        registration = db.session.get(Registration, subscriber_id)
        db.session.expunge(registration)
        return registration


def history(app, subscriber_id: int) -> list[tuple[str, str | None]]:
    with app.app_context():
        return [
            (event.kind, event.detail)
            for event in db.session.query(AuditEvent)
            .filter_by(registration_id=subscriber_id)
            .order_by(AuditEvent.id)
        ]


@pytest.fixture
def space(app, client, subscriber_id):
    log_in(client)
    return client


def test_the_new_address_gets_a_code_and_the_old_one_a_notice(
    app, space, subscriber_id, outbox, run_worker, redis_client
):
    response = ask(space)

    assert response.status_code == 302 and response.headers["Location"].endswith(CONFIRM)
    run_worker()
    (code_mail,) = mails_to(outbox, NEW_EMAIL)
    (notice,) = mails_to(outbox, EMAIL)
    code = code_from(code_mail)
    assert "Confirmer la nouvelle adresse" in text_of(code_mail)
    assert mask_email(NEW_EMAIL) in text_of(notice)  # the new address, masked
    assert re.search(r"(?i)le \d{1,2} \w+ \d{4} à \d\d:\d\d \(heure de Paris\)", text_of(notice))
    assert "127.0.x.x" in text_of(notice)
    # Until the code is typed, nothing changes: the old address still opens the space.
    assert stored(app, subscriber_id).email == EMAIL
    assert is_logged_in(logged := browser(app)) is False
    assert log_in(logged).status_code == 302
    # The code is kept only as a keyed hash, bound to the space, for an hour at most.
    key = PENDING_KEY.format(subscriber_id)
    kept = {name.decode(): value.decode() for name, value in redis_client.hgetall(key).items()}
    assert code not in str(kept) and code.replace("-", "") not in str(kept)
    assert 3590 <= redis_client.ttl(key) <= 3600


def test_the_right_code_moves_the_space_and_ends_the_other_sessions(
    app, space, subscriber_id, outbox, run_worker
):
    other_device = browser(app)
    log_in(other_device)
    ask(space)
    run_worker()
    code = code_from(mails_to(outbox, NEW_EMAIL)[0])
    outbox.clear()

    response = confirm(space, code)

    assert response.status_code == 302 and response.headers["Location"].endswith("/espace/")
    home = page(space.get("/espace/"))
    assert f"Votre adresse de connexion est désormais {NEW_EMAIL}" in home
    moved = stored(app, subscriber_id)
    assert moved.email == NEW_EMAIL
    assert moved.contact_email == NEW_EMAIL  # it followed the login address it equalled
    assert is_logged_in(other_device) is False
    assert is_logged_in(space) is True
    assert log_in(browser(app)).status_code == 401
    assert log_in(browser(app), email=NEW_EMAIL).status_code == 302
    run_worker()
    (changed,) = mails_to(outbox, EMAIL)  # told at the old address, the last mail it gets
    assert f"a été remplacée par {mask_email(NEW_EMAIL)}" in " ".join(text_of(changed).split())
    assert ("email_changed", mask_email(NEW_EMAIL)) in history(app, subscriber_id)
    # Single use: the request is over, the code page leads back to a new request.
    assert space.get(CONFIRM).headers["Location"].endswith(URL)


def test_a_contact_address_set_apart_stays(app, space, subscriber_id, outbox, run_worker):
    with app.app_context():
        db.session.get(Registration, subscriber_id).contact_email = "bureau@example.com"
        db.session.commit()
    ask(space)
    run_worker()
    confirm(space, code_from(mails_to(outbox, NEW_EMAIL)[0]))

    assert stored(app, subscriber_id).contact_email == "bureau@example.com"


@pytest.mark.parametrize(
    ("new", "password", "field", "message"),
    [
        (NEW_EMAIL, "Mauvais99Mot", "current_password", "Le mot de passe actuel est incorrect."),
        (NEW_EMAIL, "", "current_password", "Saisissez votre mot de passe actuel."),
        ("", PASSWORD, "new_email", "Saisissez votre adresse électronique."),
        ("pas-une-adresse", PASSWORD, "new_email", "adresse"),
        (EMAIL, PASSWORD, "new_email", "C'est déjà l'adresse de connexion de votre espace."),
        (
            EMAIL.upper(),
            PASSWORD,
            "new_email",
            "C'est déjà l'adresse de connexion de votre espace.",
        ),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_nothing_is_sent(
    app, space, subscriber_id, outbox, run_worker, redis_client, new, password, field, message
):
    response = ask(space, new=new, password=password)

    assert response.status_code == 200
    assert message in field_error(page(response), field)
    run_worker()
    assert outbox == []
    assert not redis_client.exists(PENDING_KEY.format(subscriber_id))


def test_a_wrong_code_is_refused_then_the_fifth_cancels_the_request(
    app, space, subscriber_id, outbox, run_worker
):
    ask(space)
    run_worker()
    code = code_from(mails_to(outbox, NEW_EMAIL)[0])
    wrong = "ABCD-EF12-3456" if code != "ABCD-EF12-3456" else "ABCD-EF12-3457"

    for _attempt in range(4):
        response = confirm(space, wrong)
        assert response.status_code == 200
        assert "Ce code est incorrect." in field_error(page(response), "code")
    last = confirm(space, wrong)
    assert "Trop de codes erronés" in field_error(page(last), "code")
    assert stored(app, subscriber_id).email == EMAIL
    # The request is gone: even the right code no longer works.
    ask(space, new="autre@example.com")
    assert "Ce code est incorrect." in field_error(page(confirm(space, code)), "code")
    assert stored(app, subscriber_id).email == EMAIL


def test_a_malformed_code_gets_a_french_message(app, space, subscriber_id, outbox, run_worker):
    ask(space)
    response = confirm(space, "123")

    assert response.status_code == 200
    assert "Le code comporte 12 lettres et chiffres" in field_error(page(response), "code")


def test_an_expired_code_says_so(app, space, subscriber_id, outbox, run_worker, redis_client):
    ask(space)
    run_worker()
    code = code_from(mails_to(outbox, NEW_EMAIL)[0])
    redis_client.delete(PENDING_KEY.format(subscriber_id))  # its hour is over: Redis dropped it

    response = confirm(space, code)

    assert "Ce code n'est plus valable" in field_error(page(response), "code")
    assert stored(app, subscriber_id).email == EMAIL


def test_an_address_of_another_space_gets_the_same_page_and_its_owner_a_notice(
    app, client, subscriber_id, outbox, run_worker
):
    activate_another_space(app, outbox, run_worker)
    outbox.clear()
    log_in(client)

    taken = ask(client, new=SECOND_EMAIL)
    shown_taken = page(client.get(CONFIRM))
    log_in(other := browser(app))
    free = ask(other, new=NEW_EMAIL)
    shown_free = page(other.get(CONFIRM))

    assert taken.status_code == free.status_code == 302
    assert taken.headers["Location"] == free.headers["Location"]
    strip = lambda html: re.sub(r'value="[^"]*"|[a-z]\*+@example\.com', "", html)  # noqa: E731
    assert strip(shown_taken) == strip(shown_free)
    # A typed code is "incorrect" in both cases: nothing tells whether one was sent.
    assert "Ce code est incorrect." in field_error(page(confirm(client, "ABCD-EF12-3456")), "code")
    run_worker()
    (owner_notice,) = mails_to(outbox, SECOND_EMAIL)
    assert "Une adresse ne peut servir qu'à un seul espace" in " ".join(
        text_of(owner_notice).split()
    )
    assert not re.search(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b", text_of(owner_notice))
    assert stored(app, subscriber_id).email == EMAIL


def test_the_request_is_rate_limited_per_space(app, space, subscriber_id):
    app.config["RATELIMIT_ADDRESS_CHANGE"] = "2 per hour"
    assert ask(space, new="a1@example.com").status_code == 302
    assert ask(space, new="a2@example.com").status_code == 302

    response = ask(space, new="a3@example.com")

    assert response.status_code == 429
    assert "Vous avez fait trop de demandes" in page(response)


def test_the_confirmation_page_without_a_request_leads_to_the_request(space):
    response = space.get(CONFIRM)

    assert response.status_code == 302 and response.headers["Location"].endswith(URL)


def test_logged_out_visitors_are_sent_to_the_login_page(client):
    for url in (URL, CONFIRM):
        response = client.get(url)
        assert response.status_code == 302 and "/espace/connexion" in response.headers["Location"]
