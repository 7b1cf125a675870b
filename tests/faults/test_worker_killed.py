"""worker.py killed with SIGKILL takes every child with it: RQ's scheduler (which then
gives back its `rq:scheduler-lock:*`), the cron child and the multiprocessing resource
tracker (issue 13, point 5; docs/RESILIENCE.md)."""

from __future__ import annotations

import contextlib
import os
import signal

import psutil

from mailer.devsink import free_port
from tests.activation.test_activation_worker_crash import start_worker, wait_for

__all__ = ["start_worker"]  # the fixture, shared with the SIGKILL-during-SMTP test
LOCKS = ("rq:scheduler-lock:mail", "rq:scheduler-lock:maintenance")


def alive(process: psutil.Process) -> bool:
    """Running, and not a zombie left for a parent that does not reap (a container's init)."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def children_of(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def is_tracker(process: psutil.Process) -> bool:
    with contextlib.suppress(psutil.Error):
        return "resource_tracker" in " ".join(process.cmdline())
    return False


def test_every_child_of_the_worker_dies_with_it_and_the_scheduler_lock_is_freed(
    start_worker, redis_client, tmp_path
):
    worker = start_worker("worker", free_port())
    log = tmp_path / "worker.log"

    def started() -> bool:
        """The scheduler (forked, its birth registered: past installing the SIGTERM handler
        that frees its locks), the cron child (spawned) and the resource tracker."""
        return (
            len([child for child in children_of(worker.pid) if alive(child)]) >= 3
            and all(redis_client.exists(lock) for lock in LOCKS)
            and bool(redis_client.keys("rq:scheduler:*"))
        )

    wait_for(lambda: worker.poll() is not None or started(), "the worker's children")
    assert worker.poll() is None, log.read_text()
    children = children_of(worker.pid)
    assert any(is_tracker(child) for child in children), [c.cmdline() for c in children]
    try:
        os.kill(worker.pid, signal.SIGKILL)  # the worker alone, not its process group
        worker.wait(timeout=10)

        wait_for(
            lambda: not any(alive(child) for child in children),
            "every child of the killed worker to end",
            timeout=15,
        )
        # Given back by the scheduler as it stops, not left to expire (61 s).
        assert not any(redis_client.exists(lock) for lock in LOCKS)
    finally:
        for child in children:
            with contextlib.suppress(psutil.Error):
                child.kill()
