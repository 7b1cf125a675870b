"""redis-server processes of a test's own (Debian's, built with TLS): a TLS-only server, a
master and its replica. Each on a free loopback port, killed at the end of the test."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import redis

from mailer.devsink import free_port

REDIS_SERVER = "/usr/bin/redis-server"
START_TIMEOUT = 10.0


class RedisProcess:
    """One redis-server, started with the given arguments; `probe` says when it answers."""

    def __init__(self, data_dir: Path, *args: str, probe: redis.Redis | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.args = args
        self.probe = probe
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *extra: str) -> RedisProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(  # noqa: S603 - fixed executable and arguments
            [
                REDIS_SERVER,
                *self.args,  # a configuration file comes first
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.data_dir),
                "--save",
                "",
                "--appendonly",
                "no",
                # A replica (a failed-over master too) syncs at once, not 5 s later.
                "--repl-diskless-sync-delay",
                "0",
                *extra,
            ],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        probe = self.probe or redis.Redis(port=self.port, socket_timeout=2)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                probe.ping()
                return self
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.02)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=5)

    def freeze(self) -> None:
        """SIGSTOP: still connected to its peers, but it answers nothing."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGCONT)
                self.process.kill()
            self.process.wait(timeout=START_TIMEOUT)
            self.process = None


def wait_until_replicating(master: redis.Redis, replicas: int = 1) -> None:
    """Until the master counts `replicas` connected replicas, in sync."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        info = master.info("replication")
        online = [
            value
            for key, value in info.items()
            if key.startswith("slave") and isinstance(value, dict) and value["state"] == "online"
        ]
        if len(online) >= replicas:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"no replica in sync: {info}")
        time.sleep(0.05)
