"""A managed Redis over TLS, from REDIS_URL alone: a redis-server listening on TLS only,
with a CA made here, which asks for a client certificate too. A sign-up walked through the
app (the wizard, the limiter's windows) and the worker (queue, scheduler, mail) reaches it."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import redis as redis_lib
import trustme
from sqlalchemy import select

from tests.activation.helpers import activate, activated_number
from tests.ha.servers import RedisProcess
from tests.support import code_from
from web.extensions import db, limiter
from web.models import Registration, RegistrationState
from web.redis_client import RedisOptions, connect

EMAIL = "tls.sign-up@example.com"


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> dict[str, Path]:
    """A CA of this test, the server's certificate and a client certificate it issued."""
    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    client = ca.issue_cert("espace-pro-client@example.com")
    files = {
        "ca": folder / "ca.pem",
        "server_cert": folder / "server.pem",
        "server_key": folder / "server.key",
        "client_cert": folder / "client.pem",
        "client_key": folder / "client.key",
    }
    ca.cert_pem.write_to_path(files["ca"])
    server.cert_chain_pems[0].write_to_path(files["server_cert"])
    server.private_key_pem.write_to_path(files["server_key"])
    client.cert_chain_pems[0].write_to_path(files["client_cert"])
    client.private_key_pem.write_to_path(files["client_key"])
    return files


@pytest.fixture
def tls_redis(tmp_path, certificates):
    """redis-server on TLS only (`--port 0`), client certificates required."""
    options = RedisOptions(
        ssl_ca_certs=str(certificates["ca"]),
        ssl_certfile=str(certificates["client_cert"]),
        ssl_keyfile=str(certificates["client_key"]),
    )
    server = RedisProcess(tmp_path / "redis")
    url = f"rediss://127.0.0.1:{server.port}/0"
    server.probe = connect(url, options)
    server.start(
        "--port",
        "0",
        "--tls-port",
        str(server.port),
        "--tls-cert-file",
        str(certificates["server_cert"]),
        "--tls-key-file",
        str(certificates["server_key"]),
        "--tls-ca-cert-file",
        str(certificates["ca"]),
        "--tls-auth-clients",
        "yes",
    )
    yield url
    server.probe.close()
    server.stop()


@pytest.fixture
def app_config(app_config, tls_redis, certificates):
    app_config.update(
        REDIS_URL=tls_redis,
        REDIS_SSL_CA_CERTS=str(certificates["ca"]),
        REDIS_SSL_CERTFILE=str(certificates["client_cert"]),
        REDIS_SSL_KEYFILE=str(certificates["client_key"]),
    )
    return app_config


def test_a_sign_up_goes_through_a_tls_redis_from_the_app_to_the_worker(
    app, client, wizard, outbox, run_worker, tls_redis, certificates
):
    # The server speaks TLS only, and trusts only certificates of its CA.
    port = int(tls_redis.rsplit(":", 1)[1].split("/")[0])
    with pytest.raises(redis_lib.ConnectionError):
        redis_lib.Redis(port=port, socket_timeout=2).ping()
    with pytest.raises(redis_lib.ConnectionError):
        connect(tls_redis, RedisOptions(ssl_ca_certs=str(certificates["ca"]))).ping()
    with pytest.raises(redis_lib.ConnectionError, match="certificate verify failed"):
        connect(tls_redis, RedisOptions()).ping()

    wizard.complete(email=EMAIL)
    run_worker()
    (mail,) = outbox
    page = activate(client, EMAIL, code_from(mail))

    assert activated_number(page) is not None
    with app.app_context():
        registration = db.session.scalar(select(Registration))
        assert registration.state == RegistrationState.ACTIVE
        # The limiter counted « Valider » and the activation in the TLS Redis too.
        assert app.config["RATELIMIT_STORAGE_URI"] == tls_redis
        assert limiter.storage.check()
    connection = app.extensions["redis"]
    assert connection.connection_pool.connection_class.__name__ == "SSLConnection"
    assert connection.keys("LIMITS:*")
    # Nothing left behind by the worker: its queue and scheduler ran on the same client.
    assert connection.llen("rq:queue:mail") == 0


def test_a_tls_redis_refuses_a_server_certificate_of_another_ca(tls_redis, tmp_path):
    other = trustme.CA()
    other.cert_pem.write_to_path(tmp_path / "other-ca.pem")
    options = RedisOptions(ssl_ca_certs=str(tmp_path / "other-ca.pem"))
    with pytest.raises(redis_lib.ConnectionError) as refused:
        connect(tls_redis, options).ping()
    assert isinstance(refused.value.__context__, ssl.SSLError) or "certificate" in str(
        refused.value
    )


def test_worker_py_its_scheduler_and_its_cron_run_on_the_tls_redis(
    app, app_config, wizard, outbox, tls_redis, certificates, smtp_server, tmp_path
):
    """The production worker as a process: RQ's forked scheduler and the spawned cron
    child rebuild their clients from the same settings, over TLS with the client
    certificate."""
    import os
    import signal
    import subprocess
    import sys
    import time

    environment = {
        **{name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ},
        "REDIS_URL": tls_redis,
        "REDIS_SSL_CA_CERTS": str(certificates["ca"]),
        "REDIS_SSL_CERTFILE": str(certificates["client_cert"]),
        "REDIS_SSL_KEYFILE": str(certificates["client_key"]),
        "DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app_config["SECRET_KEY"],
        "AUTO_MIGRATE": "0",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server.port),
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "ARGON2_MEMORY_KIB": "1024",
        "ARGON2_TIME_COST": "1",
    }
    wizard.complete(email=EMAIL)
    worker = subprocess.Popen(  # noqa: S603 - this interpreter, the worker's own script
        [sys.executable, "worker.py"],
        cwd=Path(__file__).resolve().parents[2],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    connection = app.extensions["redis"]
    try:
        deadline = time.monotonic() + 60
        while not (
            outbox
            and connection.keys("rq:scheduler-lock:*")
            and connection.keys("espace-pro:cron:*")
        ):
            assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the worker did not mail, schedule and cron"
            time.sleep(0.2)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        worker.stderr.close()
    (mail,) = outbox
    assert mail["To"] == EMAIL
