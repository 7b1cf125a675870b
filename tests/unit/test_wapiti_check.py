"""Unit tests for scripts/wapiti_check.py: which scanner findings fail CI."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("wapiti_check", ROOT / "scripts/wapiti_check.py")
wapiti_check = importlib.util.module_from_spec(_spec)
# Registered first: dataclasses look their module up while the file executes.
sys.modules.setdefault("wapiti_check", wapiti_check)
_spec.loader.exec_module(wapiti_check)

XSS = "Cross Site Scripting"
HEADER = "# Security\n\n## Scanner findings\n\n| category | path | reason |\n|---|---|---|\n"


def finding(level, path="/activation/", info="XSS via injection in the parameter email"):
    return {
        "method": "POST",
        "path": path,
        "info": info,
        "level": level,
        "parameter": "email",
        "http_request": "",
        "curl_command": "",
    }


def report(vulnerabilities=None, anomalies=None) -> dict:
    return {
        "classifications": {},
        "vulnerabilities": vulnerabilities or {},
        "anomalies": anomalies or {},
        "additionals": {},
        "infos": {},
    }


def run_check(tmp_path: Path, capsys, scan: dict, security: str = HEADER) -> tuple[int, str]:
    report_file = tmp_path / "report.json"
    report_file.write_text(json.dumps(scan))
    security_file = tmp_path / "SECURITY.md"
    security_file.write_text(security)
    status = wapiti_check.main(["wapiti_check.py", str(report_file), str(security_file)])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def test_unjustified_medium_finding_fails_the_check(tmp_path, capsys) -> None:
    status, out = run_check(tmp_path, capsys, report({XSS: [finding(2)]}))
    assert status == 1
    assert "medium  Cross Site Scripting — POST /activation/ [email]: NOT JUSTIFIED" in out
    assert "XSS via injection in the parameter email" in out


def test_finding_justified_by_category_path_and_reason_passes(tmp_path, capsys) -> None:
    security = HEADER + "| Cross Site Scripting | `/activation/*` | escaped by Jinja |\n"
    status, out = run_check(tmp_path, capsys, report({XSS: [finding(3)]}), security)
    assert status == 0
    assert "high  Cross Site Scripting — POST /activation/ [email]: accepted" in out


def test_row_without_a_reason_justifies_nothing(tmp_path, capsys) -> None:
    security = HEADER + "| Cross Site Scripting | /activation/ |  |\n"
    status, out = run_check(tmp_path, capsys, report({XSS: [finding(2)]}), security)
    assert status == 1
    assert "0 accepted row(s)" in out


def test_row_for_another_path_or_category_does_not_cover_the_finding(tmp_path, capsys) -> None:
    security = HEADER + (
        "| Cross Site Scripting | /espace/* | not this page |\n"
        "| SQL Injection | /activation/ | not this category |\n"
    )
    status, out = run_check(tmp_path, capsys, report({XSS: [finding(2)]}), security)
    assert status == 1
    assert "accepted but not seen this run: SQL Injection /activation/" in out


def test_rows_outside_the_scanner_findings_section_are_ignored(tmp_path, capsys) -> None:
    security = (
        "# Security\n\n## Headers\n\n| category | path | reason |\n|---|---|---|\n"
        "| Cross Site Scripting | /activation/ | wrong section |\n\n" + HEADER[11:]
    )
    status, _ = run_check(tmp_path, capsys, report({XSS: [finding(2)]}), security)
    assert status == 1


@pytest.mark.parametrize("level", [0, 1, "1"])
def test_info_and_low_findings_never_fail(tmp_path, capsys, level) -> None:
    status, out = run_check(tmp_path, capsys, report({"HTTP Secure Headers": [finding(level)]}))
    assert status == 0
    assert "below medium" in out


@pytest.mark.parametrize(
    ("level", "severity"), [("2", "medium"), ("3", "high"), (4, "critical"), ("?", "critical")]
)
def test_levels_are_read_whether_numbers_or_strings(tmp_path, capsys, level, severity) -> None:
    status, out = run_check(tmp_path, capsys, report({XSS: [finding(level)]}))
    assert status == 1
    assert f"{severity}  Cross Site Scripting" in out


def test_server_errors_reported_as_anomalies_fail_too(tmp_path, capsys) -> None:
    scan = report(anomalies={"Internal Server Error": [finding(3, info="Received a 500")]})
    status, out = run_check(tmp_path, capsys, scan)
    assert status == 1
    assert "high  Internal Server Error — POST /activation/ [email]: NOT JUSTIFIED" in out


def test_a_file_that_is_not_a_wapiti_report_is_an_error(tmp_path, capsys) -> None:
    status, out = run_check(tmp_path, capsys, {"status": "ok"})
    assert status == 2
    assert "not a wapiti JSON report" in out


def test_the_project_security_doc_has_a_readable_scanner_findings_table() -> None:
    text = (ROOT / "docs/SECURITY.md").read_text(encoding="utf-8")
    assert "\n## Scanner findings\n" in text
    section = text.split("\n## Scanner findings\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]
    # Every row of the table must justify something: a reasonless row would be ignored.
    assert len(wapiti_check.read_acceptances(text)) == len(rows)
