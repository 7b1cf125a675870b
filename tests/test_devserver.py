"""`make run` (python -m web.devserver): everything starts, serves, and stops with no orphan."""

from __future__ import annotations

import contextlib
import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailer.devsink import free_port
from tests.support import OUTSIDE_SETTINGS
from tests.web.pages import Page
from web.devserver import exposure_refusal, is_loopback

PROJECT_ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 60
STOP_SECONDS = 15


def descendants(pid: int) -> dict[int, str]:
    """Every process below pid, with its command line (psutil when installed, else /proc)."""
    try:
        import psutil
    except ImportError:
        return _descendants_from_proc(pid)
    found = {}
    for child in psutil.Process(pid).children(recursive=True):
        try:
            found[child.pid] = " ".join(child.cmdline())
        except psutil.Error:  # exited meanwhile
            found[child.pid] = ""
    return found


def _descendants_from_proc(pid: int) -> dict[int, str]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = {}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                try:
                    raw = (Path("/proc") / str(child) / "cmdline").read_bytes()
                except OSError:
                    raw = b""
                found[child] = raw.replace(b"\0", b" ").decode(errors="replace").strip()
                frontier.append(child)
    return found


def is_running(pid: int) -> bool:
    """Whether pid is a live process (a zombie has exited: only its exit status is left)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # An orphan is handed to PID 1, which in some containers never reaps it.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def listens(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:port."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def get(url: str) -> tuple[int, str]:
    """GET a URL; its status and body."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local http
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class DevServer:
    """`python -m web.devserver` running on free ports, its files in a temporary instance."""

    def __init__(self, tmp_path: Path, host: str = "127.0.0.1") -> None:
        self.instance = tmp_path / "instance"
        self.http_port, self.mail_port = free_port(), free_port()
        self.log_path = tmp_path / "devserver.log"
        env = {name: value for name, value in os.environ.items() if name not in OUTSIDE_SETTINGS}
        env.pop("METRICS_TOKEN", None)
        env.update(
            PORT=str(self.http_port),
            HOST=host,
            MAIL_PORT=str(self.mail_port),
            INSTANCE_PATH=str(self.instance),
            PYTHONUNBUFFERED="1",
        )
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "web.devserver"],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_serving(self) -> None:
        """Poll the HTTP port until it answers (bounded)."""
        deadline = time.monotonic() + START_SECONDS
        while not listens(self.http_port):
            assert self.process.poll() is None, f"devserver exited:\n{self.log}"
            assert time.monotonic() < deadline, f"devserver did not serve in time:\n{self.log}"
            time.sleep(0.1)

    def kill(self) -> None:
        """Last resort after a failed test: the process and whatever it started."""
        if self.process.poll() is None:
            for pid in descendants(self.process.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.process.kill()
            self.process.wait(timeout=STOP_SECONDS)


@pytest.fixture
def devserver(tmp_path: Path) -> Iterator[DevServer]:
    """A devserver that is serving; killed at teardown if a test left it running."""
    server = DevServer(tmp_path)
    try:
        server.wait_until_serving()
        yield server
    finally:
        server.kill()


def send_mail(port: int, subject: str) -> None:
    """Hand one mail to the SMTP server on port, as the worker does."""
    message = EmailMessage()
    message["From"] = "espace-pro <no-reply@example.com>"
    message["To"] = "helene.lefevre@example.com"
    message["Subject"] = subject
    message.set_content("Votre code d'activation : K7QM-4XPA-9RTD")
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
        client.send_message(message)


def test_make_run_serves_the_app_and_the_test_mailbox(devserver: DevServer):
    status, body = get(devserver.url + "/")
    assert status == 200
    assert Page(body).h1 == "Professionnels"

    status, body = get(devserver.url + "/courriels/")
    assert status == 200
    assert "Aucun courriel reçu pour l'instant." in Page(body).text

    # The sink listens on MAIL_PORT and files into the mailbox the page reads.
    send_mail(devserver.mail_port, "Votre code d'activation")
    status, body = get(devserver.url + "/courriels/")
    assert "Votre code d'activation" in Page(body).text
    assert "helene.lefevre@example.com" in Page(body).text

    # On the loopback address, the metrics are open too (no METRICS_TOKEN).
    status, body = get(devserver.url + "/metrics")
    assert status == 200 and "# TYPE" in body

    # Its files live in INSTANCE_PATH, not in the repository's instance/.
    assert (devserver.instance / "mailbox" / "new").is_dir()
    assert (devserver.instance / "redis").is_dir()
    assert "/courriels/" in devserver.log


def test_ctrl_c_stops_redis_the_worker_and_the_sink_leaving_no_process(
    devserver: DevServer,
):
    children = descendants(devserver.process.pid)
    assert any("redis-server" in command for command in children.values()), children
    assert any("worker.py" in command for command in children.values()), children
    # The worker's own children (scheduler, cron) appear as it starts: collect them too.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        worker_tree = descendants(devserver.process.pid)
        children.update(worker_tree)
        if len(worker_tree) > 2:
            break
        time.sleep(0.1)

    devserver.process.send_signal(signal.SIGINT)

    assert devserver.process.wait(timeout=STOP_SECONDS) == 0, devserver.log
    deadline = time.monotonic() + 5
    while any(is_running(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = {pid: command for pid, command in children.items() if is_running(pid)}
    assert left == {}, f"processes left behind: {left}"
    assert not listens(devserver.mail_port)  # the sink stopped with its process
    assert not listens(devserver.http_port)


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])  # noqa: S104 - the bind refused
def test_make_run_on_a_network_address_refuses_to_start_and_says_why(tmp_path: Path, host: str):
    server = DevServer(tmp_path, host=host)
    try:
        status = server.process.wait(timeout=START_SECONDS)
    finally:
        server.kill()

    assert status != 0
    log = server.log
    assert f"Refus de démarrer : HOST={host} n'est pas une adresse de bouclage" in log
    assert "« Courriels envoyés »" in log and "/metrics" in log
    assert "127.0.0.1" in log and "METRICS_TOKEN" in log
    # Nothing was started before the refusal.
    assert not (server.instance / "redis").exists()
    assert not (server.instance / "mailbox").exists()
    assert not listens(server.http_port) and not listens(server.mail_port)


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.0.1.1", "::1", "[::1]", "localhost", "LocalHost", "::ffff:127.0.0.1"]
)
def test_loopback_binds_serve_this_machine_only(host: str):
    assert is_loopback(host)
    assert exposure_refusal(host, {}) is None


@pytest.mark.parametrize(
    "host", ["", "0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "2001:db8::1", "espace.example.com"]
)
def test_other_binds_reach_the_network(host: str):
    assert not is_loopback(host)
    assert exposure_refusal(host, {}) is not None


@pytest.mark.parametrize(
    "environ,refused",
    [
        ({}, {"Courriels envoyés", "/metrics"}),
        ({"MAIL_SERVER": "smtp.example.com"}, {"/metrics"}),
        ({"METRICS_TOKEN": "t0ken"}, {"Courriels envoyés"}),
        (
            {
                "MAIL_SERVER": "smtp.example.com",
                "DEV_MAILBOX_DIR": "/tmp/box",
                "METRICS_TOKEN": "t",
            },
            {"Courriels envoyés"},
        ),
        ({"MAIL_SERVER": "smtp.example.com", "METRICS_TOKEN": "t0ken"}, set()),
        ({"APP_ENV": "production"}, set()),
    ],
)
def test_a_network_bind_is_refused_only_while_the_mailbox_or_open_metrics_would_be_served(
    environ: dict, refused: set
):
    refusal = exposure_refusal("0.0.0.0", environ)  # noqa: S104 - the bind checked

    if not refused:
        assert refusal is None
        return
    assert refusal is not None
    for page in {"Courriels envoyés", "/metrics"}:
        assert (page in refusal.split(". Servez")[0]) == (page in refused), page
