"""gunicorn settings of the compose stack and the benchmark: metrics across workers, logs.

Used as `gunicorn --config gunicorn.conf.py …`; the command line keeps bind and workers.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

# prometheus_client's multiprocess mode: each worker writes its request metrics to files
# here and /metrics adds them up. Set before any worker imports the app (no --preload).
# Each gunicorn gets a directory of its own unless PROMETHEUS_MULTIPROC_DIR names one.
_OWN_METRICS_DIR = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _OWN_METRICS_DIR:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="espace-pro-metrics-")
METRICS_DIR = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])

# The app writes one access line per request itself (espace_pro.access: request id, method,
# path without its query string, status, duration): no gunicorn access log besides.
accesslog = None
logconfig_dict = {
    "root": {"level": "WARNING", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        "espace_pro": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "stream": "ext://sys.stdout",
        },
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "stream": "ext://sys.stderr",
        },
    },
    "formatters": {
        "line": {"format": "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"},
    },
}


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
