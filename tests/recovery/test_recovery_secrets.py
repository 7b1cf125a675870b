"""After password changes, question changes and a recovery, no clear secret is left anywhere.

Searched: every table, every Redis key and value (RQ job data unpacked), the jobs'
arguments, the session cookie and the log records.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest
from rq.job import Job

from tests.account.spaces import (
    answer_question,
    ask_for_reset_link,
    browser,
    choose_new_password,
    session_of,
)
from tests.scans import found_in_database, found_in_redis
from tests.support import EMAIL, PASSWORD, log_in, post_form
from web.domain.trust import normalise_answer

CHANGED_PASSWORD = "Heron58Quartz"
RESET_PASSWORD = "Loutre83Basalte"
NEW_ANSWER = "Zéphyrine Orageuse"
TYPED_ANSWER = "  ZEPHYRINE   orageuse "
WRONG_ANSWER = "Ondine Brumeuse"


@dataclass
class Journey:
    """What a subscriber typed and received, and the browsers used."""

    token: str
    browsers: list
    secrets: dict[str, str]


@pytest.fixture
def journey(app, subscriber, outbox, run_worker, caplog) -> Journey:
    """Change the password and the question, then recover the space; forget the number."""
    caplog.set_level(logging.DEBUG)
    space = browser(app, "203.0.113.5")
    log_in(space)
    post_form(
        space,
        "/espace/mot-de-passe",
        {
            "current_password": PASSWORD,
            "new_password": CHANGED_PASSWORD,
            "new_password_confirm": CHANGED_PASSWORD,
        },
    )
    post_form(
        space,
        "/espace/question-de-confiance",
        {
            "current_password": CHANGED_PASSWORD,
            "trust_question": "first_school",
            "trust_answer": NEW_ANSWER,
        },
    )
    post_form(space, "/espace/", {}, action="/espace/deconnexion")
    link = ask_for_reset_link(app, outbox, run_worker, EMAIL, subscriber.subscriber_number)
    recovery = browser(app, "203.0.113.7")
    recovery.get(link)
    answer_question(recovery, WRONG_ANSWER)
    answer_question(recovery, TYPED_ANSWER)
    assert choose_new_password(recovery, RESET_PASSWORD).status_code == 302
    post_form(browser(app), "/recuperation/numero", {"email": EMAIL})
    run_worker()
    assert log_in(space, password=RESET_PASSWORD).status_code == 302
    token = link.split("jeton=", 1)[1]
    return Journey(
        token=token,
        browsers=[space, recovery],
        secrets={
            "changed password": CHANGED_PASSWORD,
            "reset password": RESET_PASSWORD,
            "new answer": NEW_ANSWER,
            "normalised answer": normalise_answer(NEW_ANSWER),
            "typed answer": TYPED_ANSWER.strip(),
            "wrong answer": WRONG_ANSWER,
            "normalised wrong answer": normalise_answer(WRONG_ANSWER),
            "reset token": token,
            "token signature": token.rsplit(".", 1)[1],
        },
    )


def test_no_table_holds_a_clear_secret(app, journey):
    found = {name: found_in_database(app, secret) for name, secret in journey.secrets.items()}

    assert {name: where for name, where in found.items() if where} == {}


def test_no_redis_key_or_value_holds_a_clear_secret(redis_client, journey):
    found = {name: found_in_redis(redis_client, secret) for name, secret in journey.secrets.items()}

    assert {name: where for name, where in found.items() if where} == {}


def test_every_mail_job_takes_the_registration_id_alone(redis_client, subscriber, journey):
    job_ids = [
        key.decode().removeprefix("rq:job:")
        for key in redis_client.scan_iter("rq:job:*")
        if key.count(b":") == 2
    ]
    jobs = [Job.fetch(job_id, connection=redis_client) for job_id in job_ids]

    functions = {job.func_name for job in jobs}
    assert {
        "mailer.notices.send_password_changed",
        "mailer.notices.send_reset_link",
        "mailer.notices.send_password_reset",
        "mailer.notices.send_subscriber_number",
    } <= functions
    assert [
        (job.func_name, job.args, job.kwargs)
        for job in jobs
        if job.args != (subscriber.id,) or job.kwargs
    ] == []


def test_no_log_record_holds_a_clear_secret(caplog, journey):
    # aiosmtpd ("mail.log") is the SMTP server standing in for the real one: it logs the
    # mails it receives, the reset link included, as any mail server's debug log would.
    records = [
        record
        for record in caplog.get_records("setup") + caplog.records
        if not record.name.startswith("mail.log")
    ]
    assert any(record.name == "espace_pro.worker" for record in records), (
        "the worker logged nothing: the check would prove nothing"
    )
    text = "\n".join(f"{record.getMessage()} {record.args!r}" for record in records)

    found = [
        name for name, secret in journey.secrets.items() if secret.casefold() in text.casefold()
    ]

    assert found == []


def test_no_session_cookie_holds_a_clear_secret(app, journey):
    for client in journey.browsers:
        raw = client.get_cookie("session").value
        decoded = repr(session_of(app, client))
        for name, secret in journey.secrets.items():
            assert secret not in raw, name
            assert secret.casefold() not in decoded.casefold(), name


def test_the_scans_see_the_hashes_the_jobs_and_the_worker_log(app, redis_client, caplog, journey):
    assert "registration.password_hash" in found_in_database(app, "$argon2id$")
    assert "registration.trust_answer_hash" in found_in_database(app, "$argon2id$")
    assert any(
        key.startswith("rq:job:")
        for key in found_in_redis(redis_client, "mailer.notices.send_reset_link")
    )
    assert any(key.startswith("auth:session:") for key in found_in_redis(redis_client, "seen"))
    assert "reset_link handed to SMTP" in "\n".join(
        record.getMessage() for record in caplog.get_records("setup")
    )
