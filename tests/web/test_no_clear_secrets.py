"""The password and the trust answer exist nowhere in clear: DB, Redis (jobs too), cookie, logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.scans import found_in_database, redis_texts
from tests.scans import found_in_redis as scanned_redis
from tests.support import PASSWORD
from tests.web.journeys import sign_up_in_new_browser
from web.domain.trust import normalise_answer

ANSWER = "Caramel des Prés"
SECOND_PASSWORD = "Pluvier73Ocre"
SECRETS = [PASSWORD, ANSWER, normalise_answer(ANSWER), SECOND_PASSWORD]


def redis_values(redis_client) -> Iterator[tuple[str, bytes]]:
    """Every key and value in Redis, whatever its type (streams too), as (key, bytes)."""
    return redis_texts(redis_client, strict=True)


def found_in_redis(redis_client, text: str) -> list[str]:
    """Where ``text`` appears in Redis (case-insensitive, compressed job data included)."""
    return scanned_redis(redis_client, text, strict=True)


def complete_sign_up(wizard):
    wizard.accept_terms()
    wizard.credentials(password=PASSWORD)
    wizard.profile(trust_answer=ANSWER)
    return wizard.confirm(follow=True)


# --- the scanners see what they should (a scan that finds nothing proves nothing) ------


def test_the_scan_sees_every_table_and_the_inside_of_compressed_job_data(app, wizard, redis_client):
    complete_sign_up(wizard)

    assert "registration.email" in found_in_database(app, "helene.lefevre@example.com")
    assert "mail_outbox.kind" in found_in_database(app, "activation_code")
    job_keys = found_in_redis(redis_client, "mailer.jobs.send_activation_code")
    assert any(key.startswith("rq:job:") for key in job_keys)
    raw_job_data = [
        value
        for key, value in redis_values(redis_client)
        if key.startswith("rq:job:") and b"send_activation_code" in value
    ]
    assert raw_job_data, "the job's data was not decompressed"


# --- no clear secret anywhere -----------------------------------------------------------


@pytest.mark.parametrize("secret", SECRETS[:3], ids=["password", "answer", "normalised-answer"])
def test_no_table_holds_a_clear_secret_after_a_sign_up(app, wizard, secret):
    complete_sign_up(wizard)

    assert found_in_database(app, secret) == []


@pytest.mark.parametrize("secret", SECRETS[:3], ids=["password", "answer", "normalised-answer"])
def test_no_redis_key_or_value_holds_a_clear_secret_after_a_sign_up(
    app, wizard, redis_client, secret
):
    complete_sign_up(wizard)

    assert found_in_redis(redis_client, secret) == []


def test_redis_holds_no_clear_secret_at_any_step_of_the_wizard(wizard, redis_client, draft):
    found = []
    wizard.accept_terms()
    wizard.credentials(password=PASSWORD)
    found += [(2, secret, found_in_redis(redis_client, secret)) for secret in SECRETS[:3]]
    wizard.profile(trust_answer=ANSWER)
    found += [(3, secret, found_in_redis(redis_client, secret)) for secret in SECRETS[:3]]

    assert draft()["password_hash"].startswith("$argon2id$")
    assert draft()["profile"]["trust_answer_hash"].startswith("$argon2id$")
    assert [(step, secret) for step, secret, keys in found if keys] == []


def test_the_session_cookie_holds_no_secret_at_any_step(wizard, client, session_data):
    cookies = []
    wizard.accept_terms()
    wizard.credentials(password=PASSWORD)
    cookies.append((session_data(), client.get_cookie("session").value))
    wizard.profile(trust_answer=ANSWER)
    cookies.append((session_data(), client.get_cookie("session").value))
    wizard.confirm(follow=True)
    cookies.append((session_data(), client.get_cookie("session").value))

    assert "draft" in cookies[0][0]
    for decoded, raw in cookies:
        for secret in SECRETS[:3]:
            assert secret.casefold() not in repr(decoded).casefold()
            assert secret not in raw


def test_an_already_registered_sign_up_leaves_its_password_nowhere(app, redis_client):
    sign_up_in_new_browser(app, "helene.lefevre@example.com")

    sign_up_in_new_browser(app, "helene.lefevre@example.com", password=SECOND_PASSWORD)

    assert found_in_database(app, SECOND_PASSWORD) == []
    assert found_in_redis(redis_client, SECOND_PASSWORD) == []


def test_no_log_line_holds_a_clear_secret(wizard, caplog):
    caplog.set_level(logging.DEBUG)

    wizard.accept_terms()
    wizard.credentials(password=PASSWORD, confirm_password=PASSWORD + "0")  # refused
    wizard.credentials(password=PASSWORD)
    wizard.profile(trust_answer="ab")  # refused
    wizard.profile(trust_answer=ANSWER)
    wizard.confirm(follow=True)

    for secret in SECRETS[:3]:
        assert secret.casefold() not in caplog.text.casefold()
