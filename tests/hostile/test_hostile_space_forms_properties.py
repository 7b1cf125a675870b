"""Generated hostile submissions to every form of the subscriber space: password, trust
question, contact details, dossiers (add, import, adhere, withdraw, remove), ending a session
and logout.

Whatever is sent: never a server error, a French page with a French message for each
refused field, and no half-saved dossier or adhesion; what was saved shows as text.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.account.spaces import session_of
from tests.hostile.answers import Outcome, attempt, check_answer
from tests.hostile.strategies import (
    BROWSER,
    HOSTILE_HEALTH_CHECKS,
    Submission,
    Transport,
    Upload,
    any_transport,
    hostile_text,
    submissions,
)
from tests.support import PASSWORD, profile_data, token_of, valid_siren
from web.core.sessions import session_handle
from web.core.subscribers import CONTACT_COLUMNS
from web.dossiers.catalogue import CATALOGUE
from web.extensions import db
from web.models import Adhesion, Dossier, Registration

NEW_PASSWORD = "Heron58Quartz"
CONTACT = {name: value for name, value in profile_data().items() if name in CONTACT_COLUMNS}
SERVICE_KEYS = [service.key for service in CATALOGUE]
HOSTILE_IDS = ["0", "-1", "2147483648", "9223372036854775808", "9" * 30, "1e3", "%00", "x"]
SIRENS = (valid_siren(seed) for seed in itertools.count(10**6 + 1))


@pytest.fixture
def space_attempt(
    app: Flask, logged_in: Callable[[], FlaskClient], foreign_token: str
) -> Callable[..., tuple[FlaskClient, Outcome]]:
    """Send a submission to a space form from a logged-in browser (a fresh one by default),
    with the token of the form at `token_url` (the form's own page by default)."""

    def send(
        url: str,
        submission: Submission,
        token_url: str | None = None,
        client: FlaskClient | None = None,
    ) -> tuple[FlaskClient, Outcome]:
        client = client or logged_in()
        token = token_of(client, token_url or url)
        return client, attempt(app, client, url, submission, token, foreign_token)

    return send


def registration(app: Flask, registration_id: int) -> Registration:
    """The space as saved now, detached."""
    with app.app_context():
        found = db.session.get(Registration, registration_id)
        db.session.expunge(found)
        return found


def new_dossier(app: Flask, registration_id: int, adhesion: bool = False) -> tuple[int, int]:
    """A dossier (and an adhesion to the first service) made in the database; their ids."""
    with app.app_context():
        dossier = Dossier(registration_id=registration_id, siren=next(SIRENS), label="Martin")
        db.session.add(dossier)
        db.session.flush()
        adhered = Adhesion(dossier_id=dossier.id, service=SERVICE_KEYS[0], role="mandataire")
        if adhesion:
            db.session.add(adhered)
        db.session.commit()
        return dossier.id, adhered.id or 0


@settings(max_examples=30, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(
    submission=submissions(
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        }
    )
)
def test_the_password_change_answers_any_submission_and_changes_only_on_success(
    app, logged_in, space_attempt, subscriber_id, restore_subscriber, submission
):
    client = logged_in()
    before = registration(app, subscriber_id).password_hash

    _, outcome = space_attempt("/espace/mot-de-passe", submission, client=client)

    changed = registration(app, subscriber_id).password_hash != before
    assert changed == (outcome.location == "/espace/")
    assert outcome.added["MailOutbox"] == (1 if changed else 0)
    restore_subscriber()


@settings(max_examples=30, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(
    submission=submissions(
        {
            "current_password": PASSWORD,
            "trust_question": "first_school",
            "trust_answer": "Les Tilleuls",
        }
    )
)
def test_the_trust_question_change_answers_any_submission_and_changes_only_on_success(
    app, logged_in, space_attempt, subscriber_id, restore_subscriber, submission
):
    client = logged_in()
    before = registration(app, subscriber_id)

    _, outcome = space_attempt("/espace/question-de-confiance", submission, client=client)

    after = registration(app, subscriber_id)
    changed = (after.trust_question, after.trust_answer_hash) != (
        before.trust_question,
        before.trust_answer_hash,
    )
    assert changed == (outcome.location == "/espace/")
    restore_subscriber()


@settings(max_examples=35, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(submission=submissions(CONTACT))
def test_the_contact_details_answer_any_submission_and_keep_only_clean_values(
    app, space_attempt, subscriber_id, restore_subscriber, submission
):
    client, outcome = space_attempt("/espace/coordonnees", submission)

    assert outcome.location in {"", "/espace/"}
    check_answer(client.get("/espace/"))
    restore_subscriber()


@settings(max_examples=35, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(
    submission=submissions(
        {"siren": st.integers(1, 10**6).map(valid_siren), "label": "Boulangerie Martin"}
    )
)
def test_adding_a_dossier_answers_any_submission_and_saves_whole_dossiers_only(
    app, space_attempt, subscriber_id, submission
):
    client, outcome = space_attempt("/espace/dossiers/ajouter", submission)

    added = outcome.location.startswith("/espace/dossiers/")
    assert outcome.added["Dossier"] == (1 if added else 0)
    check_answer(client.get("/espace/dossiers/"))
    if added:
        check_answer(client.get(outcome.location))


def csv_line(siren: str, label: str, delimiter: str) -> str:
    """One line of an import file."""
    return f"{siren}{delimiter}{label}"


csv_contents = st.one_of(
    st.binary(max_size=200),
    st.builds(
        lambda lines, delimiter, header, encoding: (
            ("siren;nom\n" if header else "")
            + "\n".join(csv_line(siren, label, delimiter) for siren, label in lines)
        ).encode(encoding, "surrogatepass" if encoding == "utf-8" else "replace"),
        st.lists(
            st.tuples(
                st.one_of(
                    st.sampled_from(["732829320", "552 100 554", "123456789", "", "0"]),
                    hostile_text,
                ),
                hostile_text,
            ),
            min_size=1,
            max_size=6,
        ),
        st.sampled_from([";", ",", "\t"]),
        st.booleans(),
        st.sampled_from(["utf-8", "cp1252", "utf-16"]),
    ),
)


@st.composite
def imports(draw):
    """A CSV upload (hostile lines, encodings, or bytes), in a spoiled multipart form."""
    upload = Upload(
        draw(csv_contents),
        draw(st.sampled_from(["clients.csv", "", 'a"b.csv'])),
        draw(st.sampled_from(["text/csv", "application/octet-stream"])),
    )
    transport = st.one_of(st.just(Transport(encoding="multipart")), st.just(BROWSER), any_transport)
    return draw(submissions({"file": upload}, transport=transport))


@settings(max_examples=35, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(submission=imports())
def test_importing_answers_any_file_and_saves_only_the_lines_it_reports_added(
    app, space_attempt, subscriber_id, submission
):
    client, outcome = space_attempt("/espace/dossiers/importer", submission)

    reported = outcome.html.count('class="import-report__added"')
    assert outcome.added["Dossier"] == reported
    check_answer(client.get("/espace/dossiers/"))


# Mostly the right path, so that the forms behind it get exercised too.
path_ids = st.sampled_from(["own"] * len(HOSTILE_IDS) * 2 + HOSTILE_IDS)
service_keys = st.one_of(*[st.sampled_from(SERVICE_KEYS)] * 3, hostile_text.filter(bool))


def path_id(choice: str, own: int) -> str:
    """The id to put in the URL: the real one, or a hostile one percent-encoded."""
    return str(own) if choice == "own" else quote(choice.encode("utf-8", "surrogatepass"))


@settings(max_examples=35, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(
    dossier=path_ids,
    service=service_keys,
    role=st.sampled_from(["mandataire", "x"]),
    submission=submissions({}),
)
@example(dossier="2147483648", service="tva", role="mandataire", submission=Submission((), BROWSER))
def test_adhering_answers_any_submission_and_saves_whole_adhesions_only(
    app, space_attempt, subscriber_id, dossier, service, role, submission
):
    dossier_id, _ = new_dossier(app, subscriber_id)
    key = quote(service.encode("utf-8", "surrogatepass"), safe="")
    url = f"/espace/dossiers/{path_id(dossier, dossier_id)}/services/{key}/adherer"
    submission = dataclasses.replace(
        submission, pairs=((f"{service}-role", role), *submission.pairs)
    )

    client, outcome = space_attempt(url, submission, f"/espace/dossiers/{dossier_id}")

    adhered = outcome.location.startswith(f"/espace/dossiers/{dossier_id}#service-")
    assert outcome.added["Adhesion"] == (1 if adhered else 0)
    check_answer(client.get(f"/espace/dossiers/{dossier_id}"))


@settings(max_examples=25, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(dossier=path_ids, adhesion=path_ids, submission=submissions({}))
def test_withdrawing_answers_any_submission_and_ends_only_that_adhesion(
    app, space_attempt, subscriber_id, dossier, adhesion, submission
):
    dossier_id, adhesion_id = new_dossier(app, subscriber_id, adhesion=True)
    url = (
        f"/espace/dossiers/{path_id(dossier, dossier_id)}/adhesions/"
        f"{path_id(adhesion, adhesion_id)}/retirer"
    )

    client, outcome = space_attempt(url, submission, f"/espace/dossiers/{dossier_id}")

    with app.app_context():
        withdrawn = db.session.get(Adhesion, adhesion_id).withdrawn_at is not None
    assert withdrawn == (outcome.location == f"/espace/dossiers/{dossier_id}")
    assert outcome.added["Adhesion"] == outcome.added["Dossier"] == 0


@settings(max_examples=25, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(dossier=path_ids, submission=submissions({}))
def test_removing_a_dossier_answers_any_submission_and_removes_it_whole(
    app, space_attempt, subscriber_id, dossier, submission
):
    dossier_id, adhesion_id = new_dossier(app, subscriber_id, adhesion=True)
    url = f"/espace/dossiers/{path_id(dossier, dossier_id)}/supprimer"

    client, outcome = space_attempt(url, submission, f"/espace/dossiers/{dossier_id}/supprimer")

    with app.app_context():
        gone = db.session.get(Dossier, dossier_id) is None
        adhesion_gone = db.session.get(Adhesion, adhesion_id) is None
    assert gone == adhesion_gone == (outcome.location == "/espace/dossiers/")


@settings(max_examples=25, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(submission=submissions({}))
def test_logout_answers_any_submission_and_ends_the_session_only_when_asked(
    app, space_attempt, subscriber_id, submission
):
    client, outcome = space_attempt("/espace/deconnexion", submission, "/espace/")

    still_in = client.get("/espace/").status_code == 200
    assert still_in == (outcome.location != "/espace/connexion")


@settings(max_examples=25, deadline=None, suppress_health_check=HOSTILE_HEALTH_CHECKS)
@given(
    choice=st.one_of(st.sampled_from(["other", "other", "this"]), hostile_text),
    submission=submissions({}),
)
def test_ending_a_session_answers_any_submission_and_ends_only_the_one_named(
    app, space_attempt, logged_in, choice, submission
):
    desk, phone = logged_in(), logged_in()
    with app.app_context():
        handles = {
            name: session_handle(session_of(app, client)["_user_id"])
            for name, client in (("this", desk), ("other", phone))
        }
    submission = dataclasses.replace(
        submission, pairs=(("session", handles.get(choice, choice)), *submission.pairs)
    )

    client, outcome = space_attempt(
        "/espace/sessions/fermer", submission, "/espace/sessions", client=desk
    )

    desk_in = desk.get("/espace/").status_code == 200
    phone_in = phone.get("/espace/").status_code == 200
    assert phone_in or (choice == "other" and outcome.location == "/espace/sessions")
    assert desk_in or (choice == "this" and outcome.location == "/espace/connexion")
