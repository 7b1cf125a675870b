"""The embedded Redis restarted with its append-only file (EmbeddedRedis as the app starts
it, the `make run` default; compose runs Redis with `--appendonly yes` too): a code already
mailed still activates, and a mail job still queued is sent once, after the restart.

Redis restarted *without* its data is the reconciler's case (DESIGN invariant 1), covered
by tests/activation/test_activation_reconcile.py."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_lib

from tests.activation.helpers import activate, activated_number
from tests.support import WizardActions, code_from
from web.embedded_redis import EmbeddedRedis
from web.models import Registration, RegistrationState

EMAIL = "helene.lefevre@example.com"


@pytest.fixture
def embedded_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path / "redis")  # as the app starts it: append-only file on
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_config(app_config: dict, embedded_redis: EmbeddedRedis) -> dict:
    app_config["REDIS_URL"] = embedded_redis.url
    return app_config


def restart(server: EmbeddedRedis, signum: int) -> None:
    """End redis-server with `signum`, then start it again on the same directory and socket
    (the app keeps running, with its connection pool)."""
    assert server.process is not None
    server.process.send_signal(signum)
    server.process.wait(timeout=10)
    server.process = None
    server.start()


def fsync_every_write(server: EmbeddedRedis) -> None:
    """appendfsync always: every write on disk before Redis answers it (the default,
    everysec, may lose up to a second of writes if the *machine* crashes)."""
    with contextlib.closing(redis_lib.Redis.from_url(server.url)) as connection:
        connection.config_set("appendfsync", "always")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["shutdown", "killed"])
def test_code_mailed_before_a_redis_restart_still_activates_after_it(
    app, embedded_redis, run_worker, outbox, rows, signum
):
    if signum == signal.SIGKILL:
        fsync_every_write(embedded_redis)
    WizardActions(app.test_client()).complete(email=EMAIL)
    run_worker()
    (mail,) = outbox
    (registration,) = rows(Registration)
    assert registration.state == RegistrationState.CODE_SENT

    restart(embedded_redis, signum)

    assert activated_number(activate(app.test_client(), EMAIL, code_from(mail))) is not None
    (registration,) = rows(Registration)
    assert registration.state == RegistrationState.ACTIVE


def test_mail_job_queued_before_a_redis_restart_is_sent_once_after_it(
    app, embedded_redis, run_worker, outbox, rows
):
    WizardActions(app.test_client()).complete(email=EMAIL)
    (registration,) = rows(Registration)
    assert registration.state == RegistrationState.PENDING  # no worker ran yet

    restart(embedded_redis, signal.SIGTERM)
    run_worker()
    run_worker()

    assert [mail["To"] for mail in outbox] == [EMAIL]
    assert activated_number(activate(app.test_client(), EMAIL, code_from(outbox[0])))
