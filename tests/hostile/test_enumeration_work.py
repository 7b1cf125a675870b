"""No enumeration by timing: each endpoint that answers alike for known and unknown
addresses also does the same work for both, counted exactly rather than timed: the SQL
statements, the Redis commands (the server's own command statistics) and the jobs
queued. The worker then decides, out of sight."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import event

from tests.factories import create_registration
from tests.support import EMAIL, PASSWORD, SUBSCRIBER_NUMBER, WizardActions, post_form
from web.core.secrets import codes
from web.core.subscribers import live_registration
from web.extensions import db
from web.models import RegistrationState, utcnow

PENDING = "en.attente@example.com"
UNKNOWN = "personne.inconnue@example.com"


@dataclass(frozen=True)
class Work:
    """What a request made the backends do, and what it answered."""

    statements: int
    redis_commands: Counter
    jobs: int
    status: int
    location: str | None


def redis_calls(redis_client) -> Counter:
    stats = redis_client.info("commandstats")
    return Counter({name: value["calls"] for name, value in stats.items() if "info" not in name})


def measure(app: Flask, redis_client, mail_queue, send: Callable) -> Work:
    statements: list[str] = []

    def count(_connection, _cursor, statement, *_args) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    before_redis, before_jobs = redis_calls(redis_client), mail_queue.count
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = send()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    redis_commands = redis_calls(redis_client)
    redis_commands.subtract(before_redis)
    return Work(
        len(statements),
        +redis_commands,
        mail_queue.count - before_jobs,
        response.status_code,
        response.headers.get("Location"),
    )


@pytest.fixture
def spaces(app):
    """An active space (EMAIL) and a pending sign-up (PENDING)."""
    create_registration(app, RegistrationState.ACTIVE, email=EMAIL)
    create_registration(app, RegistrationState.CODE_SENT, email=PENDING, number=None)


def compare(app, redis_client, mail_queue, post: Callable[[object, str], object], *addresses):
    """The work of the same request for each address, each from a fresh browser, after a
    warm-up request so that no first-use cost lands on one side only."""
    post(app.test_client(), "warm-up@example.com")
    works = {
        address: measure(
            app, redis_client, mail_queue, lambda a=address: post(app.test_client(), a)
        )
        for address in addresses
    }
    first = works[addresses[0]]
    for address, work in works.items():
        assert work == first, f"{address}: {work} != {addresses[0]}: {first}"
    assert first.jobs == 1  # the worker gets the request, whatever the address
    return first


def test_asking_a_new_code_does_the_same_work_for_any_address(
    app, spaces, redis_client, mail_queue
):
    def post(client, address):
        return post_form(client, "/activation/nouveau-code", {"email": address})

    compare(app, redis_client, mail_queue, post, PENDING, EMAIL, UNKNOWN)


def test_a_forgotten_number_does_the_same_work_for_any_address(
    app, spaces, redis_client, mail_queue
):
    def post(client, address):
        return post_form(client, "/recuperation/numero", {"email": address})

    compare(app, redis_client, mail_queue, post, EMAIL, UNKNOWN, PENDING)


@pytest.mark.parametrize("number", [SUBSCRIBER_NUMBER, "20269900000001"])
def test_a_forgotten_password_does_the_same_work_for_any_address(
    app, spaces, redis_client, mail_queue, number
):
    def post(client, address):
        return post_form(
            client, "/recuperation/mot-de-passe", {"email": address, "subscriber_number": number}
        )

    compare(app, redis_client, mail_queue, post, EMAIL, UNKNOWN)


def test_asking_an_unlock_link_does_the_same_work_for_any_address(
    app, spaces, redis_client, mail_queue
):
    def post(client, address):
        return post_form(client, "/recuperation/deblocage", {"email": address})

    compare(app, redis_client, mail_queue, post, EMAIL, UNKNOWN, PENDING)


def test_a_failed_login_does_the_same_work_for_any_address(app, spaces, redis_client, mail_queue):
    def post(client, address):
        return post_form(
            client, "/espace/connexion", {"email": address, "password": "Mauvais99Mot"}
        )

    work = compare(app, redis_client, mail_queue, post, EMAIL, UNKNOWN, PENDING)
    assert work.status == 401


def test_the_waiting_page_of_an_address_with_a_space_answers_as_a_new_ones(
    app, spaces, redis_client, mail_queue, run_worker
):
    """Ask a new code for X elsewhere, then sign up with X and « Renvoyer le code »."""

    def resend_after_asking_elsewhere(address: str) -> str:
        post_form(app.test_client(), "/activation/nouveau-code", {"email": address})
        run_worker()
        wizard = WizardActions(app.test_client())
        wizard.complete(email=address, password=PASSWORD)
        response = post_form(
            wizard.client,
            "/inscription/attente",
            {},
            follow=True,
            action="/inscription/attente/renvoyer",
        )
        return response.get_data(as_text=True)

    with_a_space = resend_after_asking_elsewhere(EMAIL)
    new = resend_after_asking_elsewhere(UNKNOWN)

    sent = "Un nouveau code d&#39;activation vient de vous être envoyé."
    assert sent in new
    assert sent in with_a_space
    assert "secondes" not in with_a_space


def test_the_wrong_code_that_burns_does_the_same_work_for_any_address(
    app, spaces, redis_client, mail_queue
):
    """The fifth wrong code: a real code burned (a new one owed) or a decoy count."""
    wrong = "ABCD-EFGH-JKMN"

    def fifth_try(address: str):
        client = app.test_client()
        for _attempt in range(4):
            post_form(client, "/activation/", {"email": address, "code": wrong})
        return measure(
            app,
            redis_client,
            mail_queue,
            lambda: post_form(client, "/activation/", {"email": address, "code": wrong}),
        )

    with app.app_context():  # the pending sign-up has a real code to burn, still valid
        registration = live_registration(PENDING)
        registration.code_expires_at = utcnow() + timedelta(hours=1)
        db.session.commit()
        digest = codes.code_digest(app.config["SECRET_KEY"], registration.id, "QRST-VWXY-Z234")
        codes.store_code(redis_client, registration.id, digest, 3600)
    fifth_try("warm-up@example.com")
    pending, unknown = fifth_try(PENDING), fifth_try(UNKNOWN)
    assert redis_client.exists(f"activation:burned:{registration.id}")  # a real burn

    assert pending.jobs == unknown.jobs == 1
    assert pending.statements == unknown.statements
