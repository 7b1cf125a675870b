"""One space per address, without telling anyone whether an address already has one."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from tests.web.journeys import sign_up_in_new_browser
from tests.web.pages import Page
from web.extensions import db
from web.models import MailOutbox, Registration, utcnow
from web.registration import service

EMAIL = "helene.lefevre@example.com"
VALIDATED_AT = datetime(2026, 11, 27, 9, 15, tzinfo=UTC)
CSRF_VALUE = re.compile(r'(name="csrf_token" type="hidden" value=")[^"]+(")')
MAIN = re.compile(r"<main\b.*?</main>", re.DOTALL)


def main_content(response) -> str:
    """The page's <main> markup, with the per-session CSRF token blanked out."""
    (main,) = MAIN.findall(response.get_data(as_text=True))
    return CSRF_VALUE.sub(r"\1…\2", main)


def sign_up(app, email: str, password: str = "Kestrel42Vine", **profile):
    """A complete sign-up in a fresh browser, all at the same moment; returns the waiting page."""
    return sign_up_in_new_browser(app, email, password, at=VALIDATED_AT, **profile)


def live_row(email: str, state: str = "pending") -> dict:
    """The columns of a registration inserted directly, as another process would."""
    return {
        "email": email,
        "state": state,
        "terms_version": "2026-11",
        "terms_accepted_at": utcnow(),
        "password_hash": "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
    }


def test_a_second_sign_up_with_the_same_address_gets_the_same_waiting_page(app):
    first = sign_up(app, EMAIL)

    second = sign_up(app, "HELENE.LEFEVRE@EXAMPLE.COM", password="Pluvier73Ocre")

    assert first.status_code == second.status_code == 200
    assert first.request.path == second.request.path == "/inscription/attente"
    assert main_content(second) == main_content(first)
    assert EMAIL in Page(second).text


def test_a_second_sign_up_creates_no_second_registration(app, rows):
    sign_up(app, EMAIL, last_name="Lefèvre")

    sign_up(app, "Helene.Lefevre@Example.com", password="Pluvier73Ocre", last_name="Durand")

    (registration,) = rows(Registration)
    assert registration.email == EMAIL
    assert registration.last_name == "Lefèvre"


def test_the_owner_is_owed_an_already_registered_mail(app, rows, mail_queue):
    sign_up(app, EMAIL)

    sign_up(app, EMAIL.upper(), password="Pluvier73Ocre")

    (registration,) = rows(Registration)
    outbox = rows(MailOutbox)
    assert [(row.kind, row.registration_id) for row in outbox] == [
        ("activation_code", registration.id),
        ("already_registered", registration.id),
    ]
    jobs = {job.id: job for job in mail_queue.get_jobs()}
    assert set(jobs) == {row.job_id for row in outbox}
    job = jobs[outbox[1].job_id]
    assert job.func_name == "mailer.jobs.send_already_registered"
    assert job.args == (registration.id,)
    assert job.kwargs == {}


def sign_up_again_after(app, state: str) -> None:
    """Sign up, move the registration to `state`, then sign up again with the same address."""
    sign_up(app, EMAIL)
    with app.app_context():
        db.session.execute(update(Registration).values(state=state))
        db.session.commit()

    sign_up(app, EMAIL)


def test_the_existing_space_keeps_its_password(app, rows):
    sign_up(app, EMAIL)
    (before,) = rows(Registration)

    sign_up(app, EMAIL, password="Pluvier73Ocre")

    (after,) = rows(Registration)
    assert after.password_hash == before.password_hash
    assert after.state == "pending"


def test_an_active_space_also_gets_the_already_registered_mail(app, rows):
    sign_up_again_after(app, "active")

    assert len(rows(Registration)) == 1
    assert [row.kind for row in rows(MailOutbox)] == ["activation_code", "already_registered"]


def test_an_expired_registration_frees_the_address(app, rows):
    sign_up_again_after(app, "expired")

    registrations = rows(Registration)
    assert [row.state for row in registrations] == ["expired", "pending"]
    assert [row.kind for row in rows(MailOutbox)] == ["activation_code", "activation_code"]
    assert rows(MailOutbox)[1].registration_id == registrations[1].id


def test_a_confirmation_losing_a_race_becomes_already_registered(app, rows, monkeypatch):
    original = service.live_registration
    calls = []

    def another_confirmation_commits_first(email):
        calls.append(email)
        found = original(email)
        if len(calls) == 1:
            assert found is None
            # Another browser's confirmation for the same address commits right now.
            with db.engine.begin() as connection:
                connection.execute(insert(Registration).values(**live_row(email)))
        return found

    monkeypatch.setattr(service, "live_registration", another_confirmation_commits_first)

    waiting = sign_up(app, EMAIL)

    assert len(calls) == 2
    (registration,) = rows(Registration)
    assert registration.password_hash == live_row(EMAIL)["password_hash"]
    assert [(row.kind, row.registration_id) for row in rows(MailOutbox)] == [
        ("already_registered", registration.id)
    ]
    assert "Vous êtes en attente du code d'activation" in Page(waiting).text


def test_the_database_refuses_two_live_registrations_for_one_address(app):
    with app.app_context():
        db.session.execute(insert(Registration).values(**live_row(EMAIL)))
        db.session.commit()

        with pytest.raises(IntegrityError):
            db.session.execute(insert(Registration).values(**live_row(EMAIL, "active")))
            db.session.commit()
        db.session.rollback()


def test_the_database_allows_expired_registrations_beside_a_live_one(app, rows):
    with app.app_context():
        for state in ("expired", "expired", "pending"):
            db.session.execute(insert(Registration).values(**live_row(EMAIL, state)))
        db.session.commit()

    assert sorted(row.state for row in rows(Registration)) == ["expired", "expired", "pending"]
