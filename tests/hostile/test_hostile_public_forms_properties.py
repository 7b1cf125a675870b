"""Generated hostile submissions to activation, new code, login and the recovery forms, and
hostile query strings on every page that reads one.

Whatever is sent: never a server error, a French page with a French message for each
refused field, no row written but the ones the form exists for.
"""

from __future__ import annotations

from urllib.parse import quote_plus

from flask import Flask
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.hostile.answers import attempt, check_answer, counts
from tests.hostile.strategies import HOSTILE_HEALTH_CHECKS, hostile_text, submissions
from tests.support import EMAIL, PASSWORD, SUBSCRIBER_NUMBER, TRUST_ANSWER, token_of
from web.core.secrets.tokens import make_reset_token
from web.extensions import db
from web.models import Registration

NEW_PASSWORD = "Heron58Quartz"


def reset_link(app: Flask, registration_id: int) -> str:
    """A valid reset link for the space as it is now (the flow itself is tested elsewhere)."""
    with app.app_context():
        token = make_reset_token(db.session.get(Registration, registration_id))
    return f"/recuperation/reinitialiser?jeton={token}"


def password_hash(app: Flask, registration_id: int) -> str:
    """The space's password hash as saved now."""
    with app.app_context():
        return db.session.get(Registration, registration_id).password_hash


@settings(max_examples=30, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(submission=submissions({"email": EMAIL, "code": "ABCD-EFGH-JKMN"}))
def test_activation_answers_any_submission_in_french_and_activates_nothing(
    app, fresh_browser, foreign_token, subscriber_id, submission
):
    client = fresh_browser()

    outcome = attempt(
        app, client, "/activation/", submission, token_of(client, "/activation/"), foreign_token
    )

    assert not any(outcome.added.values())
    assert outcome.location == ""


@settings(max_examples=25, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(submission=submissions({"email": "personne@example.com"}))
def test_new_code_answers_any_submission_in_french_and_owes_no_mail_to_nobody(
    app, fresh_browser, foreign_token, submission
):
    client = fresh_browser()
    url = "/activation/nouveau-code"

    outcome = attempt(app, client, url, submission, token_of(client, url), foreign_token)

    assert not any(outcome.added.values())
    assert outcome.location in {"", "/activation/"}


@settings(max_examples=35, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(submission=submissions({"email": EMAIL, "password": PASSWORD}))
def test_login_answers_any_submission_in_french_and_records_only_login_events(
    app, fresh_browser, foreign_token, subscriber_id, submission
):
    client = fresh_browser()
    url = "/espace/connexion"

    outcome = attempt(app, client, url, submission, token_of(client, url), foreign_token)

    assert outcome.added["Registration"] == outcome.added["MailOutbox"] == 0
    assert outcome.added["AuditEvent"] <= 1
    assert outcome.location in {"", "/espace/"}
    if outcome.location:
        assert submission.value("email") == EMAIL and submission.value("password") == PASSWORD


@settings(max_examples=30, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(
    url=st.sampled_from(["/recuperation/mot-de-passe", "/recuperation/numero"]),
    submission=submissions({"email": EMAIL, "subscriber_number": SUBSCRIBER_NUMBER}),
)
def test_forgotten_password_and_number_answer_any_submission_and_mail_only_the_owner(
    app, fresh_browser, foreign_token, subscriber_id, url, submission
):
    client = fresh_browser()

    outcome = attempt(app, client, url, submission, token_of(client, url), foreign_token)

    assert outcome.added["Registration"] == 0
    assert outcome.added["MailOutbox"] <= 1
    if outcome.added["MailOutbox"]:
        assert submission.value("email").strip().lower() == EMAIL


@settings(max_examples=30, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(submission=submissions({"answer": TRUST_ANSWER}))
def test_the_trust_question_answers_any_submission_in_french(
    app, fresh_browser, foreign_token, subscriber_id, submission
):
    client = fresh_browser()
    assert client.get(reset_link(app, subscriber_id)).status_code == 302
    url = "/recuperation/reinitialiser"

    outcome = attempt(app, client, url, submission, token_of(client, url), foreign_token)

    assert outcome.added["Registration"] == outcome.added["MailOutbox"] == 0
    assert outcome.location in {"", "/recuperation/nouveau-mot-de-passe"}


@settings(max_examples=25, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(submission=submissions({"new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD}))
def test_the_new_password_form_answers_any_submission_and_changes_only_on_success(
    app, fresh_browser, foreign_token, subscriber_id, restore_subscriber, submission
):
    client = fresh_browser()
    client.get(reset_link(app, subscriber_id))
    url = "/recuperation/nouveau-mot-de-passe"
    token = token_of(client, "/recuperation/reinitialiser")
    assert (
        client.post(
            "/recuperation/reinitialiser", data={"csrf_token": token, "answer": TRUST_ANSWER}
        ).status_code
        == 302
    )
    before = password_hash(app, subscriber_id)

    outcome = attempt(app, client, url, submission, token, foreign_token)

    changed = password_hash(app, subscriber_id) != before
    assert changed == (outcome.location == "/espace/connexion")
    assert outcome.added["MailOutbox"] == (1 if changed else 0)
    restore_subscriber()


QUERY_PAGES = [
    "/activation/",
    "/recuperation/reinitialiser",
    "/espace/dossiers/",
    "/espace/historique",
    "/inscription/etape-1",
    "/espace/connexion",
    "/recuperation/mot-de-passe",
]
QUERY_NAMES = ["jeton", "q", "page", "next", "jeton", "page"]


def query_string(pairs) -> str:
    """Pairs as a query string, lone surrogates sent as their (invalid UTF-8) bytes."""
    return "&".join(
        f"{quote_plus(name)}={quote_plus(value.encode('utf-8', 'surrogatepass'))}"
        for name, value in pairs
    )


@settings(max_examples=40, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(
    path=st.sampled_from(QUERY_PAGES),
    pairs=st.lists(
        st.tuples(
            st.sampled_from(QUERY_NAMES),
            st.one_of(
                hostile_text,
                st.integers().map(str),
                st.sampled_from(["9" * 25, "-1", "0", "2147483648", "9223372036854775808"]),
            ),
        ),
        min_size=1,
        max_size=3,
    ),
    logged=st.booleans(),
)
@example(path="/espace/dossiers/", pairs=[("page", "9" * 25)], logged=True)
@example(path="/espace/historique", pairs=[("page", "9223372036854775808")], logged=True)
@example(path="/espace/dossiers/", pairs=[("q", "Mar\x00tin")], logged=True)
def test_hostile_query_strings_get_french_pages(
    app, fresh_browser, logged_in, subscriber_id, path, pairs, logged
):
    client = logged_in() if logged else fresh_browser()
    before = counts(app)

    check_answer(client.get(f"{path}?{query_string(pairs)}"))

    assert counts(app)["Registration"] == before["Registration"]
