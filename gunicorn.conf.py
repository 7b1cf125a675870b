"""gunicorn settings of the compose stack and the benchmark: metrics across workers, logs.

Used as `gunicorn --config gunicorn.conf.py …`; the command line keeps bind and workers.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
from pathlib import Path

from gunicorn.glogging import Logger

# prometheus_client's multiprocess mode: each worker writes its request metrics to files
# here and /metrics adds them up. Set before any worker imports the app (no --preload).
# Each gunicorn gets a directory of its own unless PROMETHEUS_MULTIPROC_DIR names one.
_OWN_METRICS_DIR = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _OWN_METRICS_DIR:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="espace-pro-metrics-")
METRICS_DIR = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])

# Checked once, in the master, before any worker starts: a bad variable is one stderr line
# per variable and exit 2 (web/settings.py), not a traceback per worker.
from web.core.logs import logging_dict  # noqa: E402 - after PROMETHEUS_MULTIPROC_DIR
from web.settings import load_or_exit  # noqa: E402

SETTINGS = load_or_exit()

# The app writes one access line per request itself (espace_pro.access: request id, method,
# path without its query string, status, duration): no gunicorn access log besides. Every
# line, gunicorn's included, has the app's format (LOG_FORMAT, LOG_LEVEL: web/core/logs.py).
accesslog = None
logconfig_dict = logging_dict(SETTINGS.LOG_LEVEL, SETTINGS.LOG_FORMAT)


class AppLogger(Logger):
    """gunicorn's logger without its access line, which the app writes: given a logging
    configuration, gunicorn builds the line's fields for every request (≈ 1 % of the web's
    CPU, docs/PERFORMANCE.md) even with no access log, to drop them at WARNING."""

    def access(self, resp, req, environ, request_time) -> None:
        return None


logger_class = AppLogger

# gunicorn's default sync workers: one request at a time per process, as many processes as
# the command line says. Threaded workers (gthread, 4 threads, keep-alive) were measured
# against them on an idle machine and dropped (docs/PERFORMANCE.md): a quarter fewer flows
# per second, and « Valider » slower under load, its thread sharing the interpreter.
worker_class = "sync"


def post_worker_init(worker) -> None:
    """After the app is loaded in this worker: move everything alive now (modules, app,
    templates, the country lists) out of the collector's sight, so that each collection
    only walks what requests allocate (gc.freeze; Python's docs advise it after a fork)."""
    gc.collect()
    gc.freeze()


def on_starting(server) -> None:
    """Start from empty metric files: those of a previous run describe dead processes."""
    METRICS_DIR.mkdir(parents=True, exist_ok=True)
    for path in METRICS_DIR.glob("*.db"):
        path.unlink()


def child_exit(server, worker) -> None:
    """Let the metrics of a worker that exited be merged, not kept as a live process's."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    """Remove the metrics directory this configuration made."""
    if _OWN_METRICS_DIR:
        shutil.rmtree(METRICS_DIR, ignore_errors=True)
