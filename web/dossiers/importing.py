"""Bulk import of dossiers from a CSV file: read it, check every line, plan a report.

Pure functions (no Flask, no database): the view passes the uploaded bytes and the
SIRENs already in the space, then saves the lines the plan marks as added.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from web.domain import N_, Number, Phrase, RuleError
from web.domain.company import normalise_company_id
from web.domain.text import clean_text, forbidden_character

MAX_BYTES = 1_000_000
MAX_LINES = 5_000
LABEL_MAX = 120
DELIMITERS = ";,"
ADDED = "added"
REFUSED = "refused"

# A cell that was meant as a SIREN: digits, once spaces and dots are gone (8 digits
# included, so a SIREN that lost its leading zero is refused line by line, not as a file).
_SIREN_LIKE = re.compile(r"[0-9]{7,11}")
_SEPARATORS = re.compile(r"[\s.]+")
_NAME_HEADERS = frozenset(
    {"nom", "name", "raisonsociale", "denomination", "libelle", "societe", "entreprise", "label"}
)
_SNIFF_LINES = 50
NOT_CSV = N_(
    "Ce fichier n'est pas un fichier CSV lisible : enregistrez-le au format CSV "
    "(texte, séparateur point-virgule ou virgule) et recommencez."
)


class MalformedFile(ValueError):
    """The file as a whole cannot be imported; ``str()`` is the French message (a Phrase)."""


@dataclass(frozen=True)
class FileLine:
    """One line of the file: the SIREN (cleaned when valid), the name, what is wrong."""

    number: int
    siren: str
    label: str
    problem: Phrase | None = None


@dataclass(frozen=True)
class ReportRow:
    """One line of the import report."""

    number: int
    siren: str
    label: str
    status: str
    reason: Phrase | str = ""


@dataclass(frozen=True)
class ImportReport:
    """The report of an import, line by line, in the file's order."""

    rows: list[ReportRow]

    @property
    def added(self) -> list[ReportRow]:
        """The lines to add to the space."""
        return [row for row in self.rows if row.status == ADDED]

    @property
    def refused(self) -> list[ReportRow]:
        """The lines refused, each with its reason."""
        return [row for row in self.rows if row.status == REFUSED]


def read_lines(
    data: bytes, max_bytes: int = MAX_BYTES, max_lines: int = MAX_LINES
) -> list[FileLine]:
    """Decode and parse an uploaded CSV file; raise MalformedFile if it cannot be used."""
    text = _decode(data, max_bytes)
    raw_lines = text.splitlines()
    delimiter = _delimiter([line for line in raw_lines[:_SNIFF_LINES] if line.strip()])
    rows = _rows(text, delimiter)
    first = next(rows, None)
    if first is None:
        raise MalformedFile(N_("Le fichier est vide."))
    columns = _header_columns(first[1])
    if columns is None:
        columns = (0, 1)
        rows = itertools.chain([first], rows)
    lines = []
    for number, row in rows:
        if len(lines) == max_lines:
            raise MalformedFile(
                N_(
                    "Le fichier contient plus de %(count)s lignes de dossiers : "
                    "découpez-le en plusieurs fichiers.",
                    count=Number(max_lines),
                )
            )
        lines.append(_file_line(number, row, *columns))
    if not lines:
        raise MalformedFile(N_("Le fichier ne contient aucune ligne de dossier."))
    if not any(_SIREN_LIKE.fullmatch(_SEPARATORS.sub("", line.siren)) for line in lines):
        raise MalformedFile(
            N_(
                "Aucune colonne SIREN n'a été trouvée : la première colonne doit contenir les "
                "numéros SIREN (9 chiffres), ou l'en-tête doit comporter une colonne « siren »."
            )
        )
    return lines


def plan(lines: list[FileLine], existing: Collection[str], limit: int) -> ImportReport:
    """Decide line by line what is added and why the rest is refused (limit included)."""
    room = limit - len(existing)
    first_seen: dict[str, int] = {}
    rows = []
    for line in lines:
        reason = line.problem
        if reason is None and line.siren in first_seen:
            reason = N_(
                "En double dans le fichier (voir la ligne %(line)d).", line=first_seen[line.siren]
            )
        elif reason is None and line.siren in existing:
            reason = N_("Déjà présent dans votre espace.")
        elif reason is None and room <= 0:
            reason = N_(
                "Limite atteinte : votre espace ne peut pas dépasser %(limit)s dossiers.",
                limit=Number(limit),
            )
        if line.problem is None:
            first_seen.setdefault(line.siren, line.number)
        if reason is None:
            room -= 1
            rows.append(ReportRow(line.number, line.siren, line.label, ADDED))
        else:
            rows.append(ReportRow(line.number, line.siren, line.label, REFUSED, reason))
    return ImportReport(rows)


def _size(value: int) -> Phrase:
    if value >= 1_000_000:
        return N_("%(count)s Mo", count=Number(value / 1_000_000))
    return N_("%(count)s ko", count=Number(value // 1000 or 1))


def too_big(max_bytes: int = MAX_BYTES) -> MalformedFile:
    """The error for a file over the size limit (also used when the upload itself is cut)."""
    return MalformedFile(
        N_(
            "Le fichier dépasse la taille maximale de %(size)s : "
            "découpez-le en plusieurs fichiers.",
            size=_size(max_bytes),
        )
    )


def _decode(data: bytes, max_bytes: int) -> str:
    if len(data) > max_bytes:
        raise too_big(max_bytes)
    if not data.strip():
        raise MalformedFile(N_("Le fichier est vide."))
    if b"\x00" in data:
        raise MalformedFile(NOT_CSV)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            # Excel's « CSV (séparateur : point-virgule) » on a French Windows.
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise MalformedFile(NOT_CSV) from None
    controls = sum(1 for char in text if ord(char) < 32 and char not in "\t\r\n")
    # A stray control character is one line's problem; many of them mean a binary file.
    if controls > 5 and controls * 100 > len(text):
        raise MalformedFile(NOT_CSV)
    return text


def _delimiter(sample: list[str]) -> str:
    candidates = []
    # One column only, or too irregular to tell: the SIREN count below decides.
    with contextlib.suppress(csv.Error):
        candidates.append(csv.Sniffer().sniff("\n".join(sample), delimiters=DELIMITERS).delimiter)
    candidates += [char for char in DELIMITERS if char not in candidates]
    # The sniffer may prefer "," when every name holds one ("Martin, fils;732829320"):
    # keep the delimiter that isolates the most SIRENs (ties go to the sniffer's choice).
    return max(candidates, key=lambda char: _siren_cells(sample, char))


def _siren_cells(sample: list[str], delimiter: str) -> int:
    count = 0
    for row in csv.reader(sample, delimiter=delimiter):
        count += any(_SIREN_LIKE.fullmatch(_SEPARATORS.sub("", cell)) for cell in row)
    return count


def _rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield reader.line_num, row
    except csv.Error:
        raise MalformedFile(NOT_CSV) from None


def _header_key(cell: str) -> str:
    decomposed = unicodedata.normalize("NFKD", cell.casefold())
    return "".join(char for char in decomposed if char.isalnum() and char.isascii())


def _header_columns(row: list[str]) -> tuple[int, int | None] | None:
    """The (SIREN, name) column indexes when the row is a header, else None."""
    if any(_SIREN_LIKE.fullmatch(_SEPARATORS.sub("", cell)) for cell in row):
        return None
    keys = [_header_key(cell) for cell in row]
    siren_column = next((i for i, key in enumerate(keys) if "siren" in key), None)
    name_column = next((i for i, key in enumerate(keys) if key in _NAME_HEADERS), None)
    if siren_column is None:
        if name_column is not None:
            raise MalformedFile(
                "L'en-tête du fichier n'a pas de colonne « siren » : nommez ainsi la colonne "
                "des numéros SIREN, ou supprimez la ligne d'en-tête."
            )
        return None
    return siren_column, name_column


def _file_line(number: int, row: list[str], siren_column: int, name_column: int | None) -> FileLine:
    typed = row[siren_column].strip() if siren_column < len(row) else ""
    raw_label = row[name_column] if name_column is not None and name_column < len(row) else ""
    label = clean_text(raw_label)
    try:
        siren = normalise_company_id(typed, foreign=False)
    except RuleError as error:
        return FileLine(number, typed[:20], label[:LABEL_MAX], error.args[0])
    if forbidden_character(raw_label.strip()):
        return FileLine(number, siren, "", N_("Le nom contient un caractère non autorisé."))
    if len(label) > LABEL_MAX:
        return FileLine(
            number,
            siren,
            label[:LABEL_MAX] + "…",
            N_("Le nom dépasse %(count)d caractères.", count=LABEL_MAX),
        )
    return FileLine(number, siren, label)
