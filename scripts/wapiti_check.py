"""Fail on wapiti findings of medium or higher severity that docs/SECURITY.md does not justify.

Usage: wapiti_check.py REPORT.json [SECURITY.md]

wapiti 3's JSON report holds ``vulnerabilities``, ``anomalies`` (server errors, timeouts)
and ``additionals`` (fingerprints), each ``{category: [{"level": ..., "path": ...}]}``;
its levels are those of ``wapitiCore.language.vulnerability``: 0 info, 1 low, 2 medium,
3 high, 4 critical. A finding is accepted when a row of the « ## Scanner findings » table
in SECURITY.md names its category and a path pattern (``fnmatch``) matching its path, with
a non-empty reason.
"""

from __future__ import annotations

import fnmatch
import json
import sys
from dataclasses import dataclass
from pathlib import Path

SEVERITIES = {0: "info", 1: "low", 2: "medium", 3: "high", 4: "critical"}
FAIL_FROM = 2  # medium
SECTIONS = ("vulnerabilities", "anomalies", "additionals")
HEADING = "## scanner findings"


@dataclass(frozen=True)
class Finding:
    """One entry of the report."""

    category: str
    level: int
    method: str
    path: str
    parameter: str
    info: str

    @property
    def severity(self) -> str:
        """The level's name (unknown levels count as critical)."""
        return SEVERITIES.get(self.level, "critical")


@dataclass(frozen=True)
class Acceptance:
    """A justified finding: category, path pattern, reason."""

    category: str
    path: str
    reason: str

    def covers(self, finding: Finding) -> bool:
        """True when this row justifies the finding."""
        return self.category.casefold() == finding.category.casefold() and fnmatch.fnmatchcase(
            finding.path, self.path
        )


def _level(value: object) -> int:
    try:
        return int(value)  # wapiti writes the level as "2" or 2 depending on the path taken
    except (TypeError, ValueError):
        return max(SEVERITIES)


def read_findings(report: dict) -> list[Finding]:
    """Every finding of the report, whatever its section."""
    if not isinstance(report.get("vulnerabilities"), dict):
        raise ValueError("not a wapiti JSON report: no 'vulnerabilities' mapping")
    findings = []
    for section in SECTIONS:
        for category, entries in (report.get(section) or {}).items():
            for entry in entries or []:
                findings.append(
                    Finding(
                        category=category,
                        level=_level(entry.get("level")),
                        method=str(entry.get("method") or ""),
                        path=str(entry.get("path") or ""),
                        parameter=str(entry.get("parameter") or ""),
                        info=" ".join(str(entry.get("info") or "").split()),
                    )
                )
    return findings


def _cell(text: str) -> str:
    return text.strip().strip("`").strip()


def read_acceptances(markdown: str) -> list[Acceptance]:
    """The rows of the « Scanner findings » table that give a reason."""
    rows, inside = [], False
    for line in markdown.splitlines():
        stripped = line.strip()
        if stripped.startswith("## "):
            inside = stripped.casefold() == HEADING
            continue
        if not inside or not stripped.startswith("|"):
            continue
        cells = [_cell(cell) for cell in stripped.strip("|").split("|")]
        if len(cells) < 3 or set("".join(cells)) <= set("-: "):
            continue  # separator row, or too few columns
        category, path, reason = cells[0], cells[1], " ".join(cells[2:]).strip()
        if category.casefold() == "category" or not (category and path and reason):
            continue  # header row, or a row without a justification
        rows.append(Acceptance(category, path, reason))
    return rows


def verdict(findings: list[Finding], accepted: list[Acceptance]) -> tuple[list[str], int]:
    """Report lines and the number of unjustified findings of medium or higher."""
    lines, failures = [], 0
    for finding in sorted(findings, key=lambda f: (-f.level, f.category, f.path)):
        justification = next((row for row in accepted if row.covers(finding)), None)
        where = f"{finding.method} {finding.path}".strip()
        if finding.parameter:
            where += f" [{finding.parameter}]"
        if justification is not None:
            mark = "accepted"
        elif finding.level >= FAIL_FROM:
            mark, failures = "NOT JUSTIFIED", failures + 1
        else:
            mark = "below medium"
        lines.append(f"{finding.severity:>8}  {finding.category} — {where}: {mark}")
        if mark == "NOT JUSTIFIED" and finding.info:
            lines.append(f"          {finding.info[:300]}")
    for row in accepted:
        if not any(row.covers(finding) for finding in findings):
            lines.append(f"    note  accepted but not seen this run: {row.category} {row.path}")
    return lines, failures


def main(argv: list[str]) -> int:
    """Print every finding; exit 1 when one of medium or higher is not justified."""
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    security = Path(argv[2] if len(argv) == 3 else "docs/SECURITY.md")
    try:
        findings = read_findings(json.loads(Path(argv[1]).read_text(encoding="utf-8")))
    except (OSError, ValueError) as error:
        print(f"wapiti check: cannot read the report {argv[1]}: {error}", file=sys.stderr)
        return 2
    accepted = read_acceptances(security.read_text(encoding="utf-8"))
    lines, failures = verdict(findings, accepted)
    print(
        f"wapiti check: {len(findings)} finding(s), {len(accepted)} accepted row(s) in {security}"
    )
    for line in lines:
        print(line)
    if failures:
        print(
            f"wapiti check: {failures} finding(s) of medium or higher severity are not "
            f"justified in « Scanner findings » of {security}: fix them or justify them."
        )
        return 1
    print("wapiti check: no unjustified finding of medium or higher severity.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
