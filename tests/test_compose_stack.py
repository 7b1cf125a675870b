"""The compose stack without Docker: `migrate`, `web` and `worker` run as docker-compose.yml
says, as real processes, with the compose environment mapped to this machine.

One sign-up is walked over HTTP (gunicorn, production mode), the worker mails the code
through a real SMTP conversation, the code activates the space; then both long-running
services stop on SIGTERM, leaving no child behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis as redis_lib
import requests
import yaml
from sqlalchemy import create_engine

from bench.stack import drop_everything
from tests.support import PASSWORD, code_from, csrf_token, profile_data

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
EMAIL = "helene.lefevre@example.com"
SECRET_KEY = "compose-stack-test-secret-key-not-for-production"
# `${NAME:?message}` (required) or `${NAME:-default}`, as compose interpolates them.
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Z_][A-Z0-9_]*)(?::(?P<op>[?-])(?P<arg>[^}]*))?\}")
# What the machine's environment may lend a service: tools, locale, temp dir. Nothing else
# (in particular not the test runner's DATABASE_URL / REDIS_URL).
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ")


def compose_services() -> dict:
    """docker-compose.yml's services, YAML anchors and `<<` merges resolved."""
    with COMPOSE_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["services"]


def free_port() -> int:
    """A TCP port nothing listens on right now, for gunicorn's --bind."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def interpolate(value: str, supplied: dict[str, str]) -> str:
    """Compose's variable substitution, from the test's own values only (not the host's)."""

    def substitute(match: re.Match) -> str:
        name, op, arg = match.group("name", "op", "arg")
        if name in supplied:
            return supplied[name]
        if op == "-":
            return arg
        raise AssertionError(f"docker-compose.yml needs ${{{name}}}: the test must supply it")

    return INTERPOLATION.sub(substitute, value)


def service_environment(
    service: dict, mapped: dict[str, str], supplied: dict[str, str], extra: dict[str, str]
) -> dict[str, str]:
    """The service's compose environment, hostnames mapped to this machine."""
    env = {name: os.environ[name] for name in INHERITED if name in os.environ}
    # The image's python, flask and gunicorn are the venv's here.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONUNBUFFERED"] = "1"  # the Dockerfile's ENV
    for name, value in service["environment"].items():
        env[name] = mapped[name] if name in mapped else interpolate(str(value), supplied)
    env.update(extra)
    return env


def empty_database(database_url: str) -> None:
    """Drop every table (alembic_version included): `migrate` must build the schema."""
    if database_url.startswith("sqlite"):
        return  # a fresh file per test
    engine = create_engine(database_url)
    try:
        drop_everything(engine)
    finally:
        engine.dispose()


def session_members(sid: int) -> list[int]:
    """The live (non-zombie) processes of a session, found through /proc."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path("/proc", entry, "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp session ...: comm may hold spaces, split after ')'.
        fields = stat.rsplit(")", 1)[1].split()
        state, session = fields[0], int(fields[3])
        if session == sid and state != "Z":
            members.append(int(entry))
    return members


def wait_until(
    condition: Callable[[], object],
    timeout: float,
    what: str,
    processes: dict | None = None,
    interval: float = 0.1,
):
    """Poll until `condition()` is truthy; fail early if a watched process died."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        for name, process in (processes or {}).items():
            if process.poll() is not None:
                pytest.fail(f"{name} exited with {process.returncode} while waiting for {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class Stack:
    """The started processes, their log files, and a guaranteed cleanup."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen] = {}
        self.files = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        out = (self.log_dir / f"{name}.stdout").open("wb")
        err = (self.log_dir / f"{name}.stderr").open("wb")
        self.files += [out, err]
        process = subprocess.Popen(  # noqa: S603 - the compose file's own commands
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def logs(self) -> str:
        """Every process's output (the children write the files; nothing to flush here)."""
        parts = []
        for name in self.processes:
            for stream in ("stdout", "stderr"):
                path = self.log_dir / f"{name}.{stream}"
                text = path.read_text(errors="replace") if path.exists() else ""
                parts.append(f"----- {name} {stream} ({path}) -----\n{text[-20000:]}")
        return "\n".join(parts)

    def kill_all(self) -> None:
        """SIGKILL whatever is left of every process group (sessions = groups here)."""
        for process in self.processes.values():
            for pid in [process.pid, *session_members(process.pid)]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        for handle in self.files:
            handle.close()


def get_form(http: requests.Session, url: str) -> str:
    page = http.get(url, timeout=10)
    assert page.status_code == 200, f"GET {url}: {page.status_code}"
    return csrf_token(page.text)


def submit(
    http: requests.Session, base: str, path: str, data: dict, then: str
) -> requests.Response:
    """GET the form for its token, POST it, follow the redirects; check where they lead."""
    token = get_form(http, base + path)
    response = http.post(base + path, data={"csrf_token": token, **data}, timeout=30)
    assert response.status_code == 200, f"POST {path}: {response.status_code}"
    assert response.url == base + then, (
        f"POST {path} led to {response.url}, expected {then}:\n{response.text[:3000]}"
    )
    return response


def test_compose_services_run_a_sign_up_end_to_end(
    tmp_path, database_url, redis_url, smtp_server, outbox
):
    services = compose_services()
    commands = {name: list(services[name]["command"]) for name in ("migrate", "web", "worker")}
    web_env = services["web"]["environment"]
    assert web_env == services["migrate"]["environment"] == services["worker"]["environment"]
    # The production settings are the compose file's own, not the test's.
    assert web_env["APP_ENV"] == "production"
    assert str(web_env["AUTO_MIGRATE"]) == "0"

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    bind = commands["web"].index("--bind")
    assert commands["web"][bind + 1] == "0.0.0.0:8000"
    commands["web"][bind + 1] = f"127.0.0.1:{port}"
    assert "--no-control-socket" in commands["web"]

    # postgres/redis/mailpit hostnames → this machine's servers.
    mapped = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server.port),
        "PUBLIC_URL": base,
    }
    supplied = {
        "SECRET_KEY": SECRET_KEY,
        "POSTGRES_PASSWORD": "unused",
        # Plain http here, no TLS proxy in front: `requests` would not send a Secure
        # (__Host-) session cookie back, so do as the README's local try says.
        "COOKIE_SECURE": "0",
    }
    extra = {
        "ARGON2_MEMORY_KIB": "1024",
        "ARGON2_TIME_COST": "1",
        # The image's /app/instance: keep anything the app writes out of the repository.
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }
    assert set(mapped) <= set(web_env), "docker-compose.yml no longer sets these keys"
    env = service_environment(services["web"], mapped, supplied, extra)

    empty_database(database_url)
    # Queued jobs of earlier tests would run against this fresh database.
    redis_lib.Redis.from_url(redis_url).flushdb()

    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    stack = Stack(log_dir)
    ok = False
    try:
        # migrate: runs to completion first (compose: service_completed_successfully).
        migrate = stack.start("migrate", commands["migrate"], env)
        try:
            assert migrate.wait(timeout=60) == 0, "migrate failed"
        except subprocess.TimeoutExpired:
            pytest.fail("migrate did not finish within 60 s")

        web = stack.start("web", commands["web"], env)
        worker = stack.start("worker", commands["worker"], env)
        running = {"web": web, "worker": worker}

        def healthy():
            try:
                return requests.get(base + "/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_until(healthy, 30, "GET /healthz = 200", running, interval=0.2)

        http = requests.Session()
        landing = http.get(base + "/", timeout=10)
        assert landing.status_code == 200
        assert '<html lang="fr"' in landing.text
        assert "Professionnels" in landing.text
        # Production: no test mailbox page.
        assert http.get(base + "/courriels/", timeout=10).status_code == 404

        submit(http, base, "/inscription/etape-1", {"accept": "y"}, then="/inscription/etape-2")
        submit(
            http,
            base,
            "/inscription/etape-2",
            {
                "email": EMAIL,
                "email_confirm": EMAIL,
                "password": PASSWORD,
                "password_confirm": PASSWORD,
            },
            then="/inscription/etape-3",
        )
        submit(
            http,
            base,
            "/inscription/etape-3",
            profile_data(contact_email=EMAIL),
            then="/inscription/confirmation",
        )
        waiting = submit(http, base, "/inscription/confirmation", {}, then="/inscription/attente")
        assert "Vous êtes en attente du code d'activation" in waiting.text
        assert EMAIL in waiting.text

        def mail_arrived():
            return [m for m in list(outbox) if m["To"] == EMAIL]

        code = code_from(wait_until(mail_arrived, 30, "the activation mail", running)[0])

        success = submit(
            http, base, "/activation/", {"email": EMAIL, "code": code}, then="/activation/reussie"
        )
        assert "Votre inscription a été réalisée le" in success.text
        number = re.search(r'class="subscriber-number">(\d+)<', success.text)
        assert number and re.fullmatch(r"\d{14}", number.group(1)), success.text[:3000]
        assert len(mail_arrived()) == 1, "more than one mail for one registration"

        # `docker compose stop`: SIGTERM to each service's main process only (PID 1 in its
        # container); it must stop its own children (gunicorn workers, rq scheduler, cron).
        sessions = {name: process.pid for name, process in running.items()}
        for process in running.values():
            os.kill(process.pid, signal.SIGTERM)
        for name, process in running.items():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pytest.fail(f"{name} still running 15 s after SIGTERM")
        for name, sid in sessions.items():
            wait_until(
                lambda sid=sid: not session_members(sid),
                5,
                f"{name}'s children (gunicorn workers, rq cron/scheduler) to exit",
            )
        assert web.returncode == 0, f"web exited with {web.returncode}"
        assert worker.returncode == 0, f"worker exited with {worker.returncode}"
        ok = True
    finally:
        stack.kill_all()
        if not ok:
            print(stack.logs())  # pytest shows it under "Captured stdout call"
