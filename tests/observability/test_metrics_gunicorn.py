"""The compose `web` command (gunicorn, 2 workers, gunicorn.conf.py): a scrape counts every
request, whichever worker served it or the scrape; one access line per request, the app's."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.observability.helpers import METRICS_TOKEN, samples, value
from tests.test_compose_stack import ROOT, compose_services, free_port

BATCH = 24
REQUESTS = "espace_pro_http_request_duration_seconds_count"
SECRET_QUERY = "jeton=obs-query-secret-123"


def wait_for(base: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}")
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    pytest.fail("gunicorn did not answer /healthz")


@pytest.fixture
def gunicorn(migrated, database_url: str, redis_url: str, tmp_path: Path, smtp_server):
    """The compose web command on a free port, against the test's database and Redis."""
    command = list(compose_services()["web"]["command"])
    assert command[:3] == ["gunicorn", "--config", "gunicorn.conf.py"]
    assert "--access-logfile" not in command, "gunicorn's access log would duplicate the app's"
    port = free_port()
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    metrics_dir = tmp_path / "prometheus"
    env = {name: os.environ[name] for name in ("HOME", "LANG", "TMPDIR") if name in os.environ}
    env.update(
        {
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
            "PYTHONUNBUFFERED": "1",
            "SECRET_KEY": "obs-gunicorn-secret-0123456789-abcdefghijklmnop",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "AUTO_MIGRATE": "0",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp_server.port),
            "METRICS_TOKEN": METRICS_TOKEN,
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    out = (tmp_path / "gunicorn.out").open("wb")
    err = (tmp_path / "gunicorn.err").open("wb")
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=err,  # noqa: S603
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base, process)
        yield base, tmp_path / "gunicorn.out", tmp_path / "gunicorn.err", metrics_dir
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        out.close()
        err.close()


def landing_lines(stdout: Path) -> list[tuple[str, str]]:
    """(pid, request id) of each access line of GET / in gunicorn's output."""
    return re.findall(
        r"\[(\d+)\] INFO espace_pro\.access: ([A-Za-z0-9-]+) GET / 200 [\d.]+ms", stdout.read_text()
    )


def test_a_scrape_counts_the_requests_of_every_worker(gunicorn):
    base, stdout, stderr, metrics_dir = gunicorn

    def landing(_: int) -> str:
        response = requests.get(
            f"{base}/?{SECRET_QUERY}", timeout=10, headers={"Connection": "close"}
        )
        assert response.status_code == 200
        return response.headers["X-Request-ID"]

    made: list[str] = []
    with ThreadPoolExecutor(max_workers=6) as pool:
        # Two sync workers share the socket: concurrent requests reach both, soon enough.
        for _ in range(8):
            made += list(pool.map(landing, range(BATCH)))
            if len({pid for pid, _ in landing_lines(stdout)}) >= 2:
                break

    lines = landing_lines(stdout)
    assert len({pid for pid, _ in lines}) == 2, "both gunicorn workers should have served"
    assert sorted(request_id for _, request_id in lines) == sorted(made)
    assert any(metrics_dir.glob("histogram_*.db"))

    scraped = []
    for _ in range(4):  # whichever worker answers the scrape
        response = requests.get(
            base + "/metrics",
            timeout=10,
            headers={"Authorization": f"Bearer {METRICS_TOKEN}", "Connection": "close"},
        )
        assert response.status_code == 200
        scraped.append(
            value(
                samples(response.text),
                REQUESTS,
                endpoint="main.landing",
                method="GET",
                status="200",
            )
        )
    assert scraped == [len(made)] * 4

    unauthorised = requests.get(base + "/metrics", timeout=10)
    assert unauthorised.status_code == 401
    logs = stdout.read_text() + stderr.read_text()
    assert "obs-query-secret" not in logs and "jeton" not in logs
