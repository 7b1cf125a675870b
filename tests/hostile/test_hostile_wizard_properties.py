"""Generated hostile submissions to the four wizard steps and « Renvoyer le code ».

Whatever is sent: never a server error, a French page with a French message beside each
refused field, and no registration unless a whole valid confirmation happened.
"""

from __future__ import annotations

import itertools
import json

from hypothesis import example, given, settings

from tests.hostile.answers import attempt
from tests.hostile.strategies import (
    HOSTILE_HEALTH_CHECKS,
    Submission,
    Transport,
    Upload,
    submissions,
)
from tests.support import profile_data
from web.domain.text import forbidden_character

STEP_URLS = {
    1: "/inscription/etape-1",
    2: "/inscription/etape-2",
    3: "/inscription/etape-3",
    4: "/inscription/confirmation",
}
CREDENTIALS = {
    "email": "helene.lefevre@example.com",
    "email_confirm": "helene.lefevre@example.com",
    "password": "Kestrel42Vine",
    "password_confirm": "Kestrel42Vine",
}
PROFILE = profile_data(foreign_company="")
# Each confirmation its own address: every example creates a new space, not a twin.
ADDRESS_NUMBERS = itertools.count()
PROFILE_LIMITS = {
    "last_name": 80,
    "first_name": 80,
    "street_number": 10,
    "street_name": 120,
    "address_complement": 120,
    "postal_code": 12,
    "city": 80,
}


def draft_of(app, client) -> dict:
    """The browser's wizard draft as stored in Redis ({} when it has none)."""
    cookie = client.get_cookie("session")
    if cookie is None:
        return {}
    session = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    raw = app.extensions["redis"].get(f"wizard:draft:{session.get('draft')}")
    return json.loads(raw) if raw else {}


@settings(max_examples=30, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(submission=submissions({"accept": "y"}))
def test_step_1_answers_any_submission_in_french_and_saves_no_registration(
    app, wizard_at, foreign_token, submission
):
    client, token = wizard_at(1)

    outcome = attempt(app, client, STEP_URLS[1], submission, token, foreign_token)

    assert outcome.added["Registration"] == 0
    accepted = draft_of(app, client).get("terms_accepted_at") is not None
    assert accepted == (outcome.location == STEP_URLS[2])


@settings(max_examples=35, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(submission=submissions(CREDENTIALS))
def test_step_2_answers_any_submission_in_french_and_keeps_only_a_clean_address(
    app, wizard_at, foreign_token, submission
):
    client, token = wizard_at(2)

    outcome = attempt(app, client, STEP_URLS[2], submission, token, foreign_token)

    assert outcome.added["Registration"] == 0
    draft = draft_of(app, client)
    if outcome.location == STEP_URLS[3]:
        assert draft["password_hash"].startswith("$argon2id$")
        assert draft["email"] == draft["email"].strip().lower()
        assert not forbidden_character(draft["email"]) and len(draft["email"]) <= 254
    else:
        assert draft.get("email") is None and draft.get("password_hash") is None


@settings(max_examples=40, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(submission=submissions(PROFILE))
# Server errors once (a JSON number, a file in a text field): tried on every run.
@example(submission=Submission((*PROFILE.items(), ("last_name", 5)), Transport(encoding="json")))
@example(
    submission=Submission(
        (*PROFILE.items(), ("phone", Upload(b"0612345678"))), Transport(encoding="multipart")
    )
)
def test_step_3_answers_any_submission_in_french_and_keeps_only_clean_values(
    app, wizard_at, foreign_token, submission
):
    client, token = wizard_at(3)

    outcome = attempt(app, client, STEP_URLS[3], submission, token, foreign_token)

    assert outcome.added["Registration"] == 0
    profile = draft_of(app, client).get("profile", {})
    if outcome.location == STEP_URLS[4]:
        for name, limit in PROFILE_LIMITS.items():
            value = profile.get(name) or ""
            assert len(value) <= limit and not forbidden_character(value), name
        assert profile["trust_answer_hash"].startswith("$argon2id$")
    else:
        assert profile == {}


@settings(max_examples=25, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(submission=submissions({}))
def test_valider_creates_one_whole_registration_only_from_a_genuine_form(
    app, wizard_at, foreign_token, submission
):
    client, token = wizard_at(4, email=f"hostile.{next(ADDRESS_NUMBERS)}@example.com")

    outcome = attempt(app, client, STEP_URLS[4], submission, token, foreign_token)

    confirmed = outcome.location == "/inscription/attente"
    assert outcome.added["Registration"] == (1 if confirmed else 0)
    assert outcome.added["MailOutbox"] == (1 if confirmed else 0)
    if not confirmed:
        assert draft_of(app, client)["profile"]["trust_answer_hash"].startswith("$argon2id$")


@settings(max_examples=25, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(submission=submissions({}))
def test_renvoyer_le_code_answers_any_submission_and_owes_at_most_one_mail(
    app, wizard_at, foreign_token, submission
):
    waiting, token = wizard_at(4, email="attente@example.com")
    assert waiting.post(STEP_URLS[4], data={"csrf_token": token}).status_code == 302

    outcome = attempt(
        app, waiting, "/inscription/attente/renvoyer", submission, token, foreign_token
    )

    assert outcome.added["Registration"] == 0
    assert outcome.added["MailOutbox"] <= 1
    assert outcome.location in {"", "/inscription/attente"}
