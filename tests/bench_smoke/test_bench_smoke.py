"""The benchmark's command, small: 20 flows at concurrency 4 against the production stack.

It checks that the bench runs end to end and writes its report; no timing is asserted
(figures belong to `make bench`, docs/PERFORMANCE.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENDPOINTS = {
    "GET /",
    "GET /inscription/etape-1",
    "POST /inscription/etape-1",
    "GET /inscription/etape-2",
    "POST /inscription/etape-2",
    "GET /inscription/etape-3",
    "POST /inscription/etape-3",
    "GET /inscription/confirmation",
    "POST /inscription/confirmation",
    "GET /inscription/attente",
    "GET /activation/",
    "POST /activation/",
    "GET /activation/reussie",
}


def test_bench_command_walks_every_flow_and_writes_its_report(tmp_path, database_url, redis_url):
    report_path = tmp_path / "out.json"
    command = [
        sys.executable,
        "-m",
        "bench",
        "--flows",
        "20",
        "--concurrency",
        "4",
        "--unloaded-flows",
        "2",
        "--mails",
        "20",
        "--json",
        str(report_path),
        "--argon2-memory-kib",
        "1024",
        "--argon2-time-cost",
        "1",
        "--database-url",
        database_url,
        "--redis-url",
        redis_url,
    ]
    env = {
        key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")
    }
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-5000:]
    assert "complete flows per second" in done.stdout  # the summary with its targets
    assert "one argon2id hash" in done.stdout

    report = json.loads(report_path.read_text())
    loaded = report["loaded"]
    assert (loaded["flows"], loaded["completed"], loaded["errors"]) == (20, 20, [])
    assert loaded["subscriber_numbers_distinct"] == 20
    assert set(loaded["endpoints"]) == ENDPOINTS
    assert all(stats["count"] == 20 for stats in loaded["endpoints"].values())
    assert loaded["mail_latency_ms"]["count"] == 20
    assert set(loaded["cpu"]) >= {
        "per_flow_ms",
        "hash_ms_per_flow",
        "outside_hashes_ms_per_flow",
        "web_s",
        "worker_s",
    }
    assert loaded["cpu"]["web_s"] > 0 and loaded["cpu"]["worker_s"] > 0
    assert report["unloaded"]["completed"] == 2
    assert report["worker_saturation"]["mails"] == 20
    assert report["settings"]["concurrency"] == 4
    assert report["machine"]["nproc"] >= 1
    assert report["loaded"]["cpu"]["hash_ms_each"] > 0  # the hash measured in this run
    assert report["worker_saturation"]["worker_cpu_ms_per_mail"] > 0
    assert [check["target"].split(".")[0] for check in report["targets"]] == [
        "1",
        "2",
        "3",
        "4a",
        "4b",
        "4c",
    ]
    # The ratios to the hash are always checked; those against a baseline need --baseline.
    assert [isinstance(check["passed"], bool) for check in report["targets"]] == [
        True,
        True,
        False,
        False,
        False,
        False,
    ]
    assert all(isinstance(check["value"], float) for check in report["targets"][:2])
