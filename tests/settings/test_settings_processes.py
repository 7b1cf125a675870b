"""Each entry point, as a real process, refuses a bad variable before starting anything:
exit 2 and exactly one stderr line naming it, never a traceback; and writes its log lines
in the format LOG_FORMAT names."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import OUTSIDE_SETTINGS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENTRY_POINTS = {
    "devserver": [sys.executable, "-m", "web.devserver"],
    "worker": [sys.executable, "worker.py"],
    "flask-ops": [sys.executable, "-m", "flask", "--app", "web", "ops", "status"],
    "gunicorn": [
        str(Path(sys.executable).parent / "gunicorn"),
        "--config",
        "gunicorn.conf.py",
        "--bind",
        "127.0.0.1:0",
        "web:create_app()",
    ],
}
BAD_VALUES = {
    "MAIL_PORT": "abc",
    "RATELIMIT_LOGIN_IP": "often",
    "DATABASE_URL": "notaurl",
}
WORKER_START_SECONDS = 60
UTC_MILLISECONDS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def clean_environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    """This machine's environment without settings pointing elsewhere, plus these."""
    env = {name: value for name, value in os.environ.items() if name not in OUTSIDE_SETTINGS}
    env = {
        name: value for name, value in env.items() if not name.startswith(("LOG_", "RATELIMIT_"))
    }
    return {**env, "INSTANCE_PATH": str(tmp_path / "instance"), **settings}


@pytest.mark.parametrize("name", list(BAD_VALUES))
@pytest.mark.parametrize("entry_point", list(ENTRY_POINTS))
def test_a_bad_variable_stops_each_entry_point_with_one_line_and_exit_2(
    entry_point, name, tmp_path
):
    value = BAD_VALUES[name]
    done = subprocess.run(  # noqa: S603 - this interpreter's tools, fixed arguments
        ENTRY_POINTS[entry_point],
        cwd=PROJECT_ROOT,
        env=clean_environment(tmp_path, **{name: value}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"espace-pro: {name}={value!r} is not "), line
    assert f"(example: {name}=" in line
    # Refused before anything started: no embedded Redis, no mailbox, no database.
    assert not (tmp_path / "instance" / "redis").exists()
    assert not (tmp_path / "instance" / "espace-pro.db").exists()


@pytest.mark.parametrize("entry_point", ["worker", "flask-ops", "gunicorn"])
def test_a_weak_secret_in_production_stops_the_process_with_one_line_and_exit_2(
    entry_point, tmp_path
):
    done = subprocess.run(  # noqa: S603 - this interpreter's tools, fixed arguments
        ENTRY_POINTS[entry_point],
        cwd=PROJECT_ROOT,
        env=clean_environment(
            tmp_path, APP_ENV="production", SECRET_KEY="dev", REDIS_URL="redis://127.0.0.1:1/0"
        ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("Refusing to start in production. SECRET_KEY is too weak"), line


def test_the_worker_writes_json_lines_when_log_format_is_json(redis_url, tmp_path):
    env = clean_environment(
        tmp_path,
        LOG_FORMAT="json",
        REDIS_URL=redis_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'worker.db'}",
        PYTHONUNBUFFERED="1",
    )
    log = (tmp_path / "worker.out").open("w+")
    worker = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "worker.py"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + WORKER_START_SECONDS
        while "on queues" not in (tmp_path / "worker.out").read_text():
            assert worker.poll() is None, (tmp_path / "worker.out").read_text()
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()

    lines = (tmp_path / "worker.out").read_text().strip().splitlines()
    documents = [json.loads(line) for line in lines]  # every line, RQ's included
    (started,) = [doc for doc in documents if "on queues" in doc["message"]]
    assert started["logger"] == "espace_pro.worker" and started["level"] == "INFO"
    assert started["message"].endswith("on queues mail, maintenance")
    for document in documents:
        assert re.fullmatch(UTC_MILLISECONDS, document["time"])
    # RQ's own INFO lines (started with PID, listening, cleaning registries) are quieted.
    assert not [
        doc for doc in documents if doc["logger"].startswith("rq.") and doc["level"] == "INFO"
    ]


def test_ops_config_as_a_process_masks_every_secret(tmp_path):
    env = clean_environment(
        tmp_path,
        SECRET_KEY="process-secret-key-0123456789-abcdefgh",
        METRICS_TOKEN="metrics-token-in-clear",
        MAIL_PASSWORD="smtp-password-in-clear",
        # Never reached: ops config reads no table and no key.
        DATABASE_URL="postgresql+psycopg://espace:db-password-in-clear@127.0.0.1:9/espace",
        REDIS_URL="redis://:redis-password-in-clear@127.0.0.1:9/0",
        AUTO_MIGRATE="0",
        MAIL_PORT="2525",
        LOG_FORMAT="json",
    )
    command = [sys.executable, "-m", "flask", "--app", "web", "ops", "config"]
    runs = [
        subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
            command + extra,
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        for extra in ([], ["--json"])
    ]

    for done in runs:
        assert done.returncode == 0, done.stderr
        assert "in-clear" not in done.stdout + done.stderr
        assert "process-secret-key" not in done.stdout
    lines = runs[0].stdout.splitlines()
    assert "SECRET_KEY=****" in lines and "MAIL_PASSWORD=****" in lines
    assert "DATABASE_URL=postgresql+psycopg://espace:****@127.0.0.1:9/espace" in lines
    assert "REDIS_URL=redis://:****@127.0.0.1:9/0" in lines
    assert "MAIL_PORT=2525" in lines and "LOG_FORMAT=json" in lines
    document = json.loads(runs[1].stdout)
    assert document["METRICS_TOKEN"] == "****" and document["MAIL_PORT"] == 2525
