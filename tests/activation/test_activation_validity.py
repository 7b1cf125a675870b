"""The code's validity is said from ACTIVATION_CODE_TTL_SECONDS on every page and mail of the
flow, in words, in the page's language: never a « 48h » the setting does not say."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from tests.activation.helpers import activate, activation_link, html_of, path_of, text_of
from tests.support import EMAIL, WizardActions
from tests.web.pages import Page
from web.core.durations import duration_in_words

START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
TWENTY_FOUR = pytest.mark.app_config(ACTIVATION_CODE_TTL_SECONDS=24 * 3600)


def texts_of_the_flow(app: Flask, run_worker, outbox, time_machine, ttl: int, language: str):
    """(where, visible text) of every page and mail that states the code's validity."""
    time_machine.move_to(START, tick=True)
    browser = app.test_client()
    browser.set_cookie("lang", language)
    wizard = WizardActions(browser)
    seen = []

    def page(where: str, response) -> None:
        assert response.status_code == 200, where
        seen.append((where, Page(response).main.text))

    page("landing", browser.get("/"))
    page("subscription", browser.get("/creer-mon-espace"))
    page("terms", browser.get("/conditions-generales"))
    page("step 1", browser.get("/inscription/etape-1"))
    wizard.accept_terms()
    wizard.credentials()
    wizard.profile()
    page("confirmation", browser.get("/inscription/confirmation"))
    page("waiting", wizard.confirm(follow=True))
    run_worker()
    (mail,) = outbox
    seen += [("mail text", text_of(mail)), ("mail html", Page(html_of(mail)).root.text)]
    page("activation, refused", activate(browser, EMAIL, "AAAA-AAAA-AAAA"))
    time_machine.shift(timedelta(seconds=ttl, minutes=1))
    page("expired link", browser.get(path_of(activation_link(mail)), follow_redirects=True))
    return seen


@pytest.mark.parametrize(
    ("ttl", "language", "said", "unsaid"),
    [
        pytest.param(24 * 3600, "fr", "24 heures", r"48\s*h", marks=TWENTY_FOUR),
        pytest.param(24 * 3600, "en", "24 hours", r"48[\s-]*h", marks=TWENTY_FOUR),
        (48 * 3600, "fr", "48 heures", r"24\s*h|48h"),
        (48 * 3600, "en", "48 hours", r"24[\s-]*h|48h"),
    ],
)
def test_every_page_and_mail_of_the_flow_says_the_configured_validity(
    app, run_worker, outbox, time_machine, ttl, language, said, unsaid
):
    seen = texts_of_the_flow(app, run_worker, outbox, time_machine, ttl, language)

    assert len(seen) == 10
    for where, text in seen:
        text = " ".join(text.split())
        assert said in text, where
        assert not re.search(unsaid, text), (where, re.search(unsaid, text))


@pytest.mark.parametrize(
    ("seconds", "french", "english"),
    [
        (48 * 3600, "48 heures", "48 hours"),
        (3600, "1 heure", "1 hour"),
        (5400, "1 heure et 30 minutes", "1 hour and 30 minutes"),
        (3661, "1 heure, 1 minute et 1 seconde", "1 hour, 1 minute and 1 second"),
        (600, "10 minutes", "10 minutes"),
        (1, "1 seconde", "1 second"),
    ],
)
def test_durations_are_said_in_words_singular_or_plural(app, seconds, french, english):
    from flask_babel import force_locale

    with app.test_request_context():
        with force_locale("fr"):
            assert duration_in_words(seconds) == french
        with force_locale("en"):
            assert duration_in_words(seconds) == english


@pytest.mark.app_config(ACTIVATION_CODE_TTL_SECONDS=72 * 3600)
def test_the_waiting_page_lasts_as_long_as_the_code(client, wizard, redis_client):
    wizard.complete()

    (key,) = redis_client.scan_iter("wizard:receipt:*")
    # The code's window, plus the hour its hand-off to SMTP may take.
    assert 73 * 3600 - 5 <= redis_client.ttl(key) <= 73 * 3600
    assert "72 heures" in Page(client.get("/inscription/attente")).text
