"""Reading a CSV file into rows of text, keeping each row's number for error messages.

Row numbers are the file's line numbers, 1-based, with the header on row 1, so the first
data row is row 2 (as a spreadsheet shows it). Blank lines are skipped but still counted.
Comma, semicolon and tab delimiters are recognised from the header line.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from pipelines.importers.batch import ImportFileError, Rejection, decode_text

_DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class CsvRow:
    """One data row: its row number in the file and its values by header name (text)."""

    number: int
    values: dict[str, str]

    @property
    def label(self) -> str:
        """Return the record label used in rejections, e.g. ``"row 14"``."""
        return f"row {self.number}"


@dataclass(frozen=True)
class CsvTable:
    """A parsed CSV: header names, data rows, and rows rejected for a wrong field count."""

    header: list[str]
    rows: list[CsvRow]
    rejections: list[Rejection]


def sniff_delimiter(first_line: str) -> str:
    """Return the delimiter that occurs most often in the header line (comma on ties)."""
    return max(_DELIMITERS, key=first_line.count)


def first_line(text: str, *, name: str) -> str:
    """Return the first non-blank line of a text (the header line), stripped."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    raise ImportFileError(f"{name}: the file has no header line (only blank lines)")


def to_number(text: str | None) -> float | None:
    """Return the number in ``text``, or None when it is blank or not a number."""
    try:
        return float(text) if text is not None and text.strip() else None
    except ValueError:
        return None


def parse_csv(data: bytes, *, name: str, allow_empty: bool = False) -> CsvTable:
    """Parse CSV bytes into a :class:`CsvTable`.

    Args:
        data: The file's bytes (UTF-8, BOM allowed).
        name: File name for messages.
        allow_empty: Return an empty table for a header-only file instead of raising.

    Raises:
        ImportFileError: if the bytes are not UTF-8, there is no header, a header name is
            empty or repeated, or (unless ``allow_empty``) there are no data rows at all.
    """
    text = decode_text(data, name=name)
    header_line = first_line(text, name=name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(header_line))
    header: list[str] | None = None
    rows: list[CsvRow] = []
    rejections: list[Rejection] = []
    try:
        for fields in reader:
            if not any(f.strip() for f in fields):
                continue
            if header is None:
                header = _check_header([f.strip() for f in fields], name=name)
                continue
            number = reader.line_num
            if len(fields) != len(header):
                rule = f"has {len(fields)} fields but the header has {len(header)}"
                rejections.append(Rejection(name, f"row {number}", None, rule, None))
                continue
            rows.append(CsvRow(number, dict(zip(header, fields, strict=True))))
    except csv.Error as err:
        raise ImportFileError(f"{name}: malformed CSV at row {reader.line_num} ({err})") from err
    if header is None or (not rows and not rejections and not allow_empty):
        raise ImportFileError(f"{name}: no data rows (only a header), nothing to import")
    return CsvTable(header=header, rows=rows, rejections=rejections)


def _check_header(names: list[str], *, name: str) -> list[str]:
    if any(not n for n in names):
        raise ImportFileError(f"{name}: the header has an empty column name: {','.join(names)}")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ImportFileError(f"{name}: the header repeats column(s): {', '.join(repeated)}")
    return names
