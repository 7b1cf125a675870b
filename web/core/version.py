"""The app's version: pyproject.toml's `version`, its one place (also the image's label)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "espace-pro"
# A source checkout (`make run`, the tests, the image's /app): the file beside the code wins,
# since an editable install's metadata keeps the version it was installed with.
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


@cache
def app_version() -> str:
    """The version of the running code: the checkout's pyproject.toml, else the installed one."""
    if PYPROJECT.is_file():
        with PYPROJECT.open("rb") as file:
            return tomllib.load(file)["project"]["version"]
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "0+unknown"
