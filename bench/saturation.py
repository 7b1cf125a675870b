"""The worker at saturation: M activation mails owed at once, one worker process, no web
traffic; mails per second as the sink receives them, and the worker's CPU per mail."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bench.owe_mails import addresses as saturation_addresses
from bench.stack import Stack

OWE_SCRIPT = Path(__file__).resolve().parent / "owe_mails.py"


def owe_activation_mails(stack: Stack, run: str, count: int) -> list[str]:
    """Commit `count` pending registrations with their outbox rows, then enqueue the jobs
    exactly as « Valider » does, with the code of the checkout the stack runs (bench/
    owe_mails.py in a process of its own); return the addresses."""
    done = subprocess.run(  # noqa: S603 - this package's own script
        [sys.executable, str(OWE_SCRIPT), run, str(count)],
        cwd=stack.root,
        env=stack.environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"owing the saturation mails failed:\n{done.stderr[-5000:]}")
    return saturation_addresses(run, count)


def measure_worker(stack: Stack, run: str, count: int, timeout: float = 300) -> dict:
    """Stop the running workers, owe `count` mails, start one worker, time the drain.

    Time and CPU are counted from the first mail received to the last: the worker's
    start-up (imports, app) is left out of both.
    """
    for name in stack.worker_names():
        stack.stop_process(name)
    addresses = owe_activation_mails(stack, run, count)
    worker = stack.start_worker()
    name = next(name for name, process in stack.processes.items() if process is worker)
    deadline = time.monotonic() + timeout
    cpu_at_first = None
    while not all(stack.sink.arrivals.get(email) for email in addresses):
        if cpu_at_first is None and any(stack.sink.arrivals.get(email) for email in addresses):
            cpu_at_first = stack.cpu(name)
        if worker.poll() is not None or time.monotonic() > deadline:
            got = sum(1 for email in addresses if stack.sink.arrivals.get(email))
            raise RuntimeError(f"the worker handed {got}/{count} mails:\n" + stack.logs(name))
        time.sleep(0.05)
    cpu = stack.cpu(name)
    if cpu_at_first is None:  # all arrived between two looks
        cpu_at_first = 0.0
    arrivals = sorted(stack.sink.arrivals[email][0][0] for email in addresses)
    span = arrivals[-1] - arrivals[0]
    return {
        "mails": count,
        "seconds": round(span, 3),
        "mails_per_second": round((count - 1) / span, 1) if span > 0 else None,
        "worker_cpu_ms_per_mail": round((cpu - cpu_at_first) * 1000 / max(1, count - 1), 2),
        "worker_cpu_ms_per_mail_with_start": round(cpu * 1000 / count, 2),
    }
