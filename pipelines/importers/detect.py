"""Choosing the importer for a file or folder, and expanding folders into import items.

Detection order: a folder is PMData (``pXX/pmsys`` inside) or nothing; a file goes by its
extension (``.fit``, ``.gpx``, ``.csv``) and otherwise by its content (the ``.FIT`` tag of
a FIT header, ``<gpx`` in the first kilobyte, or a CSV header). CSV headers are matched
against the Strong and Hevy layouts first, then Cairn's own layouts.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path

from pipelines.importers.batch import ImportBatch, ImportFileError, decode_text, read_file_bytes
from pipelines.importers.cairn_csv import find_cairn_layout, read_cairn_csv
from pipelines.importers.csvtable import first_line, sniff_delimiter
from pipelines.importers.fit import read_fit
from pipelines.importers.gpx import read_gpx
from pipelines.importers.pmdata import is_pmdata_folder, read_pmdata
from pipelines.importers.strength_csv import find_strength_layout, read_strength_csv

FORMATS = ("fit", "gpx", "strength-csv", "cairn-csv", "pmdata")
IMPORT_SUFFIXES = frozenset({".fit", ".gpx", ".csv"})
_READERS: dict[str, Callable[..., ImportBatch]] = {
    "fit": read_fit,
    "gpx": read_gpx,
    "strength-csv": read_strength_csv,
    "cairn-csv": read_cairn_csv,
}


def _csv_format(data: bytes, *, name: str) -> str:
    line = first_line(decode_text(data, name=name), name=name)
    header = [h.strip() for h in next(csv.reader([line], delimiter=sniff_delimiter(line)))]
    if find_strength_layout(header) is not None:
        return "strength-csv"
    if find_cairn_layout(header) is not None:
        return "cairn-csv"
    raise ImportFileError(
        f"{name}: unknown CSV header ({', '.join(header)}); supported: Strong and Hevy "
        "exports, and Cairn sessions/wellness/injuries CSV (see docs/import-formats.md)"
    )


def detect_format(path: Path) -> str:
    """Return the import format of ``path``: one of :data:`FORMATS`.

    Raises:
        ImportFileError: missing path, empty file without a telling extension, a folder that
            is not PMData, an unknown CSV header or unrecognised content.
    """
    if path.is_dir():
        if is_pmdata_folder(path):
            return "pmdata"
        raise ImportFileError(f"{path.name}: folder is not a PMData folder (no pXX/pmsys)")
    if not path.exists():
        raise ImportFileError(f"{path.name}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".fit", ".gpx"):
        return suffix[1:]
    data = read_file_bytes(path)
    if suffix != ".csv":
        if data[8:12] == b".FIT":
            return "fit"
        if b"<gpx" in data[:1024]:
            return "gpx"
    try:
        return _csv_format(data, name=path.name)
    except ImportFileError:
        if suffix == ".csv":
            raise
    raise ImportFileError(
        f"{path.name}: unknown format (not FIT, GPX, a Strong/Hevy export, Cairn CSV or PMData)"
    )


def read_activity_file(
    path: Path, *, athlete_id: int, today: dt.date, format: str = "auto"
) -> ImportBatch:
    """Read one file (or a PMData folder) with the importer for its format.

    Args:
        path: File or PMData folder.
        athlete_id: Cairn athlete for single-athlete files (ignored for PMData, whose
            rows carry ``athlete_ref`` instead).
        today: Reference day; records dated after it are rejected.
        format: ``"auto"`` (see :func:`detect_format`) or one of :data:`FORMATS`.

    Raises:
        ImportFileError: the file cannot be imported as a whole (message names file+problem).
    """
    chosen = detect_format(path) if format == "auto" else format
    if chosen == "pmdata":
        return read_pmdata(path, today=today)
    if chosen not in _READERS:
        raise ImportFileError(
            f"{path.name}: unknown format {format!r}; choose auto or one of {', '.join(FORMATS)}"
        )
    return _READERS[chosen](path, athlete_id=athlete_id, today=today)


def iter_import_files(paths: Iterable[Path]) -> list[Path]:
    """Expand paths into import items: files as given, folders into their .fit/.gpx/.csv
    files (recursively, sorted, hidden names skipped); a PMData folder stays one item."""
    items: list[Path] = []
    for path in paths:
        if not path.is_dir() or is_pmdata_folder(path):
            items.append(path)
            continue
        for child in sorted(path.iterdir()):
            if child.name.startswith("."):
                continue
            if child.is_dir():
                items.extend(iter_import_files([child]))
            elif child.suffix.lower() in IMPORT_SUFFIXES:
                items.append(child)
    return items
