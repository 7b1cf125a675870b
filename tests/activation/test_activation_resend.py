"""« Renvoyer le code » and « Demander un nouveau code »: a new code kills the old one, within
limits (one a minute, five a day), and the answer never tells whether an address is known."""

from __future__ import annotations

import re

import pytest

from tests.activation.helpers import (
    EMAIL,
    REFUSED,
    activate,
    activated_number,
    ask_new_code,
    mails_to,
    refusal_text,
    resend,
)
from tests.support import code_from
from tests.web.pages import Page
from web.models import MailKind, MailOutbox

SENT = (
    "Un nouveau code d'activation vient de vous être envoyé. Le code précédent n'est plus valable."
)
TOO_SOON = re.compile(
    r"^Un code vient de vous être envoyé : vous pourrez en demander un "
    r"nouveau dans (\d+) secondes\.$"
)
TOO_MANY = (
    "Vous avez demandé trop de codes aujourd'hui (5 au maximum par 24 heures). "
    "Réessayez dans 24 heure(s)."
)


@pytest.fixture
def minute_passes(redis_client):
    """What 60 s do to the resend limits: their Redis keys (timed by Redis' clock) expire,
    the waiting page's (counted per receipt) and the registration's alike."""

    def expire() -> None:
        keys = list(redis_client.scan_iter("resend:recent:*"))
        assert keys
        redis_client.delete(*keys)

    return expire


def recent_limit_keys(redis_client) -> list[bytes]:
    return list(redis_client.scan_iter("resend:recent:*"))


def test_waiting_page_has_a_resend_button(client, wizard):
    page = Page(wizard.complete())

    (form,) = [
        node
        for node in page.main.find_all("form")
        if node.attrs.get("action") == "/inscription/attente/renvoyer"
    ]
    assert form.attrs["method"] == "post"
    assert [button.text for button in form.find_all("button")] == ["Renvoyer le code"]
    assert form.find_all("input", name="csrf_token")


def test_resend_sends_a_new_code_and_the_old_one_stops_working(client, sign_up, run_worker, outbox):
    old = sign_up(client=client)

    page = Page(resend(client))
    run_worker()

    assert SENT in page.notices()
    assert page.h1 == "Activation de votre espace abonné"
    assert len(mails_to(outbox, EMAIL)) == 2
    new = code_from(outbox[-1])
    assert new != old
    assert refusal_text(activate(client, EMAIL, old)).startswith(REFUSED)
    assert activated_number(activate(client, EMAIL, new)) is not None


def test_second_resend_within_a_minute_asks_to_wait_and_sends_nothing(
    client, sign_up, run_worker, outbox, count
):
    sign_up(client=client)
    resend(client)
    run_worker()
    rows_before = count(MailOutbox)

    page = Page(resend(client))
    run_worker()

    (notice,) = [text for text in page.notices() if TOO_SOON.match(text)]
    assert 1 <= int(TOO_SOON.match(notice).group(1)) <= 60
    assert SENT not in page.notices()
    assert len(outbox) == 2
    assert count(MailOutbox) == rows_before
    # The code of the last mail is still the valid one.
    assert activated_number(activate(client, EMAIL, code_from(outbox[-1]))) is not None


def test_resend_after_a_minute_sends_again(client, sign_up, run_worker, outbox, minute_passes):
    sign_up(client=client)
    resend(client)
    run_worker()
    minute_passes()

    page = Page(resend(client))
    run_worker()

    assert SENT in page.notices()
    assert len(outbox) == 3


@pytest.mark.app_config(RESEND_MIN_SECONDS=1)
def test_resend_limit_follows_the_configured_interval(
    client, sign_up, run_worker, outbox, redis_client
):
    sign_up(client=client)
    resend(client)

    (key,) = recent_limit_keys(redis_client)  # the waiting page's own, per receipt
    assert key.startswith(b"resend:recent:receipt-")
    assert 0 < redis_client.ttl(key) <= 1


def test_sixth_resend_within_24_hours_is_refused(
    client, sign_up, run_worker, outbox, minute_passes, count
):
    old = sign_up(client=client)
    for _ in range(5):
        page = Page(resend(client))
        run_worker()
        assert SENT in page.notices()
        minute_passes()
    assert len(outbox) == 6
    rows_before = count(MailOutbox)

    page = Page(resend(client))
    run_worker()

    assert TOO_MANY in page.notices()
    assert len(outbox) == 6
    assert count(MailOutbox) == rows_before
    last = code_from(outbox[-1])
    assert last != old
    assert activated_number(activate(client, EMAIL, last)) is not None


def test_resend_without_a_valid_form_token_sends_nothing(client, sign_up, run_worker, outbox):
    sign_up(client=client)

    response = client.post(
        "/inscription/attente/renvoyer", data={"csrf_token": "forged"}, follow_redirects=True
    )
    run_worker()

    assert len(outbox) == 1
    assert SENT not in Page(response).notices()


# --- « Demander un nouveau code » --------------------------------------------------------------


def normalised(page: Page, email: str) -> str:
    """The page's content with what legitimately differs (token, typed address) blanked."""
    html = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "csrf", page.html)
    return html.replace(email, "ADDRESS")


def test_new_code_page_answers_the_same_for_unknown_and_pending_addresses(
    app, sign_up, run_worker, outbox
):
    old = sign_up(EMAIL)
    unknown = "personne.inconnue@example.com"

    for_pending = Page(ask_new_code(app.test_client(), EMAIL))
    for_unknown = Page(ask_new_code(app.test_client(), unknown))
    run_worker()

    notice = (
        "Si une inscription en attente correspond à l'adresse {}, un nouveau code "
        "d'activation vient de lui être envoyé. Le code précédent n'est plus valable."
    )
    assert notice.format(EMAIL) in for_pending.notices()
    assert notice.format(unknown) in for_unknown.notices()
    assert normalised(for_pending, EMAIL) == normalised(for_unknown, unknown)
    assert mails_to(outbox, unknown) == []
    assert len(mails_to(outbox, EMAIL)) == 2
    new = code_from(outbox[-1])
    client = app.test_client()
    assert refusal_text(activate(client, EMAIL, old)).startswith(REFUSED)
    assert activated_number(activate(client, EMAIL, new)) is not None


def test_new_code_for_an_active_space_sends_a_notice_without_a_code(
    app, client, sign_up, run_worker, outbox, outbox_rows
):
    code = sign_up()
    activate(client, EMAIL, code)

    page = Page(ask_new_code(app.test_client(), EMAIL))
    run_worker()

    assert any(
        text.startswith("Si une inscription en attente correspond") for text in page.notices()
    )
    assert len(outbox) == 2
    assert outbox[-1]["Subject"] == "Votre demande de création d'espace espace-pro"
    assert outbox_rows()[-1].kind == MailKind.ALREADY_REGISTERED
