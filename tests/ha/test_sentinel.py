"""Redis Sentinel from REDIS_URL alone: a master, its replica and a sentinel (real
processes). A sign-up started before a failover ends after it: the app, the limiter and
the worker find the new master by themselves, with nothing lost and no 500."""

from __future__ import annotations

import time

import pytest
import redis as redis_lib
from sqlalchemy import select

from tests.activation.helpers import activate, activated_number
from tests.ha.servers import RedisProcess, wait_until_replicating
from tests.support import code_from
from web.extensions import db, limiter
from web.models import Registration, RegistrationState

EMAIL = "sentinel.failover@example.com"
SERVICE = "espace-pro"
DATA_PASSWORD = "data-password-for-tests"  # noqa: S105 - a test server's
SENTINEL_PASSWORD = "sentinel-password-for-tests"  # noqa: S105 - a test server's


@pytest.fixture
def nodes(tmp_path):
    master = RedisProcess(tmp_path / "master")
    master.probe = redis_lib.Redis(port=master.port, password=DATA_PASSWORD)
    master.start(
        "--port", str(master.port), "--requirepass", DATA_PASSWORD, "--masterauth", DATA_PASSWORD
    )
    replica = RedisProcess(tmp_path / "replica")
    replica.probe = redis_lib.Redis(port=replica.port, password=DATA_PASSWORD)
    replica.start(
        "--port",
        str(replica.port),
        "--requirepass",
        DATA_PASSWORD,
        "--masterauth",
        DATA_PASSWORD,
        "--replicaof",
        "127.0.0.1",
        str(master.port),
    )
    wait_until_replicating(master.probe)
    sentinel = RedisProcess(tmp_path / "sentinel")
    config = tmp_path / "sentinel.conf"
    config.write_text(
        f"port {sentinel.port}\n"
        f"bind 127.0.0.1\n"
        f"requirepass {SENTINEL_PASSWORD}\n"
        f"sentinel monitor {SERVICE} 127.0.0.1 {master.port} 1\n"
        f"sentinel auth-pass {SERVICE} {DATA_PASSWORD}\n"
        f"sentinel down-after-milliseconds {SERVICE} 1000\n"
        f"sentinel failover-timeout {SERVICE} 5000\n"
    )
    sentinel.probe = redis_lib.Redis(port=sentinel.port, password=SENTINEL_PASSWORD)
    sentinel.args = (str(config), "--sentinel")
    sentinel.start()
    yield master, replica, sentinel
    for node in (sentinel, replica, master):
        node.stop()


@pytest.fixture
def app_config(app_config, nodes):
    _, _, sentinel = nodes
    app_config.update(
        REDIS_URL=f"redis+sentinel://127.0.0.1:{sentinel.port}/{SERVICE}/0",
        REDIS_PASSWORD=DATA_PASSWORD,
        REDIS_SENTINEL_PASSWORD=SENTINEL_PASSWORD,
        PROPAGATE_EXCEPTIONS=False,
    )
    return app_config


def failed_over(sentinel: RedisProcess, master: RedisProcess, replica: RedisProcess) -> bool:
    """The failover is over: the sentinel's view (the one clients read, SENTINEL MASTERS)
    names the replica, no failover is in progress, and each node plays its new role."""
    state = sentinel.probe.sentinel_master(SERVICE)
    return (
        int(state["port"]) == replica.port
        and not state.get("failover_in_progress")
        and "failover_in_progress" not in str(state.get("flags", ""))
        and replica.probe.info("replication")["role"] == "master"
        and master.probe.info("replication")["role"] == "slave"
    )


def test_a_sign_up_started_before_a_failover_ends_after_it(
    app, client, wizard, outbox, run_worker, nodes
):
    master, replica, sentinel = nodes
    assert app.extensions["redis"].connection_pool.get_master_address()[1] == master.port
    wizard.accept_terms()
    wizard.credentials(email=EMAIL)
    wizard.profile()
    wait_until_replicating(master.probe)

    sentinel.probe.execute_command("SENTINEL", "FAILOVER", SERVICE)
    deadline = time.monotonic() + 20
    # Until the failover is over: the app's connections still reach the old master, which
    # answers READONLY now, and they ask the sentinel again.
    while not failed_over(sentinel, master, replica):
        assert time.monotonic() < deadline, "no failover"
        time.sleep(0.1)

    # The draft made on the old master is read from the new one; « Valider » writes there.
    confirmed = wizard.confirm(follow=True)
    assert confirmed.status_code == 200
    assert EMAIL in confirmed.get_data(as_text=True)
    # The old master follows the new one: a code is mailed once it holds it (WAIT).
    wait_until_replicating(replica.probe)
    run_worker()
    (mail,) = outbox
    page = activate(client, EMAIL, code_from(mail))

    assert activated_number(page) is not None
    assert app.extensions["redis"].connection_pool.get_master_address()[1] == replica.port
    with app.app_context():
        assert db.session.scalar(select(Registration.state)) == RegistrationState.ACTIVE
        assert limiter.storage.check()
    # Everything was written on the new master.
    assert replica.probe.keys("LIMITS:*")
