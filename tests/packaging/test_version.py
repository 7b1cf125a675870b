"""One version, pyproject.toml's: shown by /healthz and `flask ops status`, written in the
wheel's metadata (what an installed copy, the image's, reads back), atop the changelog."""

from __future__ import annotations

from pathlib import Path

from tests.ops.helpers import Console
from web.core import version


def test_healthz_shows_pyprojects_version(client, pyproject):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json == {"status": "ok", "version": pyproject["project"]["version"]}
    assert version.app_version() == "0.2.0" == pyproject["project"]["version"]


def test_ops_status_shows_it_in_json_and_in_text(app, pyproject):
    console = Console(app)

    assert console.json("status")["version"] == pyproject["project"]["version"]
    result = console.run("status")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"Version   {pyproject['project']['version']}"


def test_an_installed_copy_reads_its_metadata(monkeypatch, tmp_path):
    """Without a pyproject.toml beside the code (a wheel's install), importlib.metadata says."""
    monkeypatch.setattr(version, "PYPROJECT", tmp_path / "missing.toml")
    monkeypatch.setattr(version.metadata, "version", {"espace-pro": "7.1.2"}.__getitem__)
    version.app_version.cache_clear()
    try:
        assert version.app_version() == "7.1.2"
        monkeypatch.setattr(version.metadata, "version", {}.__getitem__)
        version.app_version.cache_clear()
        monkeypatch.setattr(
            version.metadata, "version", _raise(version.metadata.PackageNotFoundError)
        )
        assert version.app_version() == "0+unknown"
    finally:
        version.app_version.cache_clear()


def _raise(error: type[Exception]):
    def fail(name: str) -> str:
        raise error(name)

    return fail


def test_the_compose_stack_builds_and_runs_that_version(pyproject):
    import yaml

    root = Path(__file__).resolve().parents[2]
    compose = yaml.safe_load((root / "docker-compose.yml").read_text())
    wanted = pyproject["project"]["version"]
    app = compose["x-app"]
    assert app["build"]["args"]["VERSION"] == wanted
    tags = {
        name: service["image"]
        for name, service in compose["services"].items()
        if service.get("image", "").startswith("espace-pro:")
    }
    assert tags and set(tags.values()) == {f"espace-pro:{wanted}"}, tags
