"""`python -m flask --app web ops …` as a real process: with the compose `web` service's
environment (DATABASE_URL, REDIS_URL, production), and on the embedded default next to a
running `make run`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.ops.helpers import EMAIL, SECOND_EMAIL
from tests.support import OUTSIDE_SETTINGS
from tests.test_compose_stack import (
    SECRET_KEY,
    compose_services,
    env_example,
    service_environment,
)
from tests.test_devserver import STOP_SECONDS, DevServer
from web.embedded_redis import URL_FILE, EmbeddedRedis, published_url
from web.ops.output import without_password

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WORKER_START_SECONDS = 60


def flask_ops(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run `python -m flask --app web ops ARGS` with this environment."""
    return subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-m", "flask", "--app", "web", "ops", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def embedded_default(instance: Path) -> dict[str, str]:
    """This machine's environment without the settings that would point elsewhere."""
    env = {name: value for name, value in os.environ.items() if name not in OUTSIDE_SETTINGS}
    return {**env, "INSTANCE_PATH": str(instance)}


def test_status_json_from_a_process_with_the_compose_web_services_environment(
    app, sign_up, database_url, tmp_path
):
    sign_up(EMAIL)
    sign_up(SECOND_EMAIL, send=False)
    # What `docker compose exec web flask --app web ops status --json` runs with.
    env = service_environment(
        compose_services()["web"],
        env_example(),
        mapped={
            "DATABASE_URL": database_url,
            "REDIS_URL": app.config["REDIS_URL"],
            "SECRET_KEY": SECRET_KEY,
        },
        extra={"INSTANCE_PATH": str(tmp_path / "inst")},
    )
    assert env["APP_ENV"] == "production"

    done = flask_ops("status", "--json", env=env)
    unknown = flask_ops("find", "jeanne.martin@example.com", env=env)

    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert (status["redis"], status["database"]) == (
        without_password(app.config["REDIS_URL"]),
        without_password(database_url),
    )
    assert status["registrations"]["code_sent"] == 1
    assert status["registrations"]["pending"] == 1
    assert status["queues"]["mail"]["queued"] == 1
    assert status["oldest_pending_mail"]["outbox_id"] == 2
    assert EMAIL not in done.stdout and SECOND_EMAIL not in done.stdout
    assert not (tmp_path / "inst" / "redis").exists()  # no embedded Redis was started
    assert unknown.returncode == 1
    assert "Error: no registration for j************@example.com" in unknown.stderr


def test_console_reaches_the_redis_and_database_of_a_running_make_run(tmp_path):
    devserver = DevServer(tmp_path)
    try:
        devserver.wait_until_serving()
        url_file = devserver.instance / URL_FILE
        assert url_file.read_text().startswith("unix://")
        # The devserver's worker registers itself on its Redis: the console must see it.
        deadline = time.monotonic() + WORKER_START_SECONDS
        while True:
            done = flask_ops("status", "--json", env=embedded_default(devserver.instance))
            assert done.returncode == 0, done.stderr
            status = json.loads(done.stdout)
            assert status["redis"] == url_file.read_text()  # not a server of its own
            assert status["database"] == f"sqlite:///{devserver.instance / 'espace-pro.db'}"
            if status["workers"] == 1:
                break
            assert time.monotonic() < deadline, f"no worker seen:\n{devserver.log}"
            time.sleep(0.5)

        devserver.process.send_signal(signal.SIGINT)
        assert devserver.process.wait(timeout=STOP_SECONDS) == 0, devserver.log
        assert not url_file.exists()
    finally:
        devserver.kill()


def test_a_published_url_is_used_only_while_its_server_answers(tmp_path):
    server = EmbeddedRedis(tmp_path / "redis", persist=False)
    url = server.start()
    try:
        (tmp_path / URL_FILE).write_text(url)
        assert published_url(tmp_path) == url
    finally:
        server.stop()

    assert published_url(tmp_path) is None  # left by a make run that was killed
    assert published_url(tmp_path / "nowhere") is None
