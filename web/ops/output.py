"""How the operator's console prints: aligned text for a terminal, or one JSON document."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import click

from web.domain.masking import mask_email

ADDRESS_PATTERN = re.compile(r"[^\s@'\"<>(),;:]+@[^\s@'\"<>(),;:]+\.[A-Za-z]{2,}")


def timestamp(value: datetime | None) -> str | None:
    """A stored (naive UTC) or aware time as ISO 8601 UTC: 2026-05-04T09:00:00Z."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"


def shown_time(value: str | None) -> str:
    """An ISO UTC time from a document, as the text output writes it."""
    return value.replace("T", " ").replace("Z", " UTC") if value else "-"


def masked_text(text: str | None) -> str | None:
    """Free text (an error, an audit detail) with every address in it masked."""
    if text is None:
        return None
    return ADDRESS_PATTERN.sub(lambda match: mask_email(match.group(0)), text)


def without_password(url: str) -> str:
    """A Redis or database URL fit to print: its password replaced by ***."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{parts.username or ''}:***@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


def pairs(rows: Iterable[tuple[str, Any]], indent: int = 0) -> str:
    """`label  value` lines, values aligned."""
    rows = list(rows)
    width = max((len(label) for label, _ in rows), default=0)
    return "\n".join(f"{' ' * indent}{label.ljust(width)}  {_cell(value)}" for label, value in rows)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], indent: int = 0) -> str:
    """A table with aligned columns (counts right-aligned), or `(none)`."""
    cells = [[_cell(value) for value in row] for row in rows]
    if not cells:
        return f"{' ' * indent}(none)"
    columns = range(len(headers))
    numeric = [all(row[i].isdigit() for row in cells) for i in columns]
    widths = [max(len(headers[i]), *(len(row[i]) for row in cells)) for i in columns]

    def line(values: Sequence[str]) -> str:
        parts = [
            value.rjust(widths[i]) if numeric[i] else value.ljust(widths[i])
            for i, value in enumerate(values)
        ]
        return (" " * indent + "  ".join(parts)).rstrip()

    return "\n".join([line(headers), *(line(row) for row in cells)])


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def emit(document: dict, as_json: bool, render: Callable[[dict], str]) -> None:
    """Print the document as JSON (stable, sorted keys) or as the renderer's text."""
    if as_json:
        click.echo(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        click.echo(render(document))


def json_option(command: Callable) -> Callable:
    """The `--json` switch every ops command has."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print one JSON document instead of text."
    )(command)
