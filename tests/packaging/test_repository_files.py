"""The repository's own papers: the Apache-2.0 licence the metadata declares, the changelog
at the version, and a pre-commit configuration running `make lint`'s very commands."""

from __future__ import annotations

import re

import yaml

from tests.packaging.conftest import ROOT


def test_the_licence_is_apache_2_0_as_declared(pyproject):
    text = (ROOT / "LICENSE").read_text()

    assert text.split()[:4] == ["Apache", "License", "Version", "2.0,"]
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert (pyproject["project"]["license"], pyproject["project"]["license-files"]) == (
        "Apache-2.0",
        ["LICENSE"],
    )


def test_the_changelog_starts_at_0_2_0_and_tops_with_the_version(pyproject):
    text = (ROOT / "CHANGELOG.md").read_text()
    releases = re.findall(r"^## \[(\d[^\]]*)\] - \d{4}-\d{2}-\d{2}$", text, re.MULTILINE)

    assert "## [Unreleased]" in text and "keepachangelog.com" in text
    assert releases[0] == pyproject["project"]["version"]
    assert releases[-1] == "0.2.0"
    # Every release links to its tag at the bottom, as Keep a Changelog does.
    assert all(re.search(rf"^\[{re.escape(r)}\]: ", text, re.MULTILINE) for r in releases)


def test_pre_commit_runs_make_lints_commands():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nlint: install\n", 1)[1].split("\n\n", 1)[0]
    lint = [line.strip().replace("$(VENV)", ".venv") for line in recipe.splitlines()]
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())

    (local,) = config["repos"]
    assert local["repo"] == "local"  # no download: the project's venv
    hooks = local["hooks"]
    assert {hook["language"] for hook in hooks} == {"system"}
    entries = [hook["entry"].replace(" --force-exclude", "") for hook in hooks]
    assert entries == [command.removesuffix(" .") for command in lint]
