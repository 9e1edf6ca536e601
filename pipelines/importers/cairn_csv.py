"""Cairn's own CSV format: one file per record kind (sessions, wellness or injuries).

The header says which kind a file holds: a ``kind`` or ``duration_min`` column makes it a
sessions file, a ``start_date``, ``body_part`` or ``severity`` column an injuries file, and a
``date`` column with any wellness item a wellness file. Column names are those of
``pipelines.schemas``; order is free; unknown columns are refused (so a typo cannot drop
data silently), except ``notes``, which is ignored. An optional ``athlete_id`` column
overrides the athlete given to the importer, row by row. Units and ranges are in
docs/import-formats.md and ``pipelines.validation``.

Duplicates inside one file are rejected: sessions with the same ``external_id`` (given, or
a hash of every logged value: athlete, date, start, kind, type, duration, distance, climb,
descent, heart rate and RPE), two check-ins for the
same athlete and day, two injuries with the same athlete, start_date and body_part.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from pipelines.importers.batch import (
    ImportBatch,
    ImportFileError,
    Rejection,
    build_frame,
    content_hash,
    read_file_bytes,
    validate_into,
)
from pipelines.importers.csvtable import CsvRow, CsvTable, parse_csv
from pipelines.importers.session_types import classify_run
from pipelines.validation import InjuryRecord, SessionRecord, WellnessRecord

SOURCE = "cairn-csv"
_PENDING = "__pending__"  # placeholder until kind/duration are parsed
IGNORED_COLUMNS = frozenset({"notes"})
_DEFAULT_TYPES = {"strength": "strength_full", "cross": "other", "mobility": "mobility"}


@dataclass(frozen=True)
class CairnLayout:
    """One Cairn CSV layout: its frame, record model, and required/optional columns."""

    frame: str
    model: type[BaseModel]
    required: tuple[str, ...]
    optional: tuple[str, ...]
    unique: tuple[str, ...]  # fields that identify a record within a file


LAYOUTS = {
    "sessions": CairnLayout(
        frame="sessions",
        model=SessionRecord,
        required=("date", "kind", "duration_min"),
        optional=(
            "athlete_id", "start_time", "type", "distance_km", "elevation_gain_m",
            "elevation_loss_m", "avg_hr", "rpe", "external_id",
        ),
        unique=("external_id",),
    ),
    "wellness": CairnLayout(
        frame="wellness",
        model=WellnessRecord,
        required=("date",),
        optional=(
            "athlete_id", "sleep_h", "sleep_quality", "soreness", "fatigue", "mood", "stress",
            "resting_hr", "hrv_rmssd", "readiness", "pain", "illness",
        ),
        unique=("athlete_id", "date"),
    ),
    "injuries": CairnLayout(
        frame="injuries",
        model=InjuryRecord,
        required=("start_date", "body_part", "severity"),
        optional=("athlete_id", "end_date"),
        unique=("athlete_id", "start_date", "body_part"),
    ),
}  # fmt: skip
_WELLNESS_ITEMS = set(LAYOUTS["wellness"].optional) - {"athlete_id"}


def find_cairn_layout(header: list[str]) -> CairnLayout | None:
    """Return the Cairn layout a header belongs to (see module docstring), or None."""
    columns = set(header)
    if columns & {"kind", "duration_min"}:
        return LAYOUTS["sessions"]
    if columns & {"start_date", "body_part", "severity"}:
        return LAYOUTS["injuries"]
    if "date" in columns and columns & _WELLNESS_ITEMS:
        return LAYOUTS["wellness"]
    return None


def _check_header(header: list[str], layout: CairnLayout, *, name: str) -> None:
    missing = [c for c in layout.required if c not in header]
    if missing:
        raise ImportFileError(
            f"{name}: missing required column(s) for a Cairn {layout.frame} file: "
            f"{', '.join(missing)}"
        )
    allowed = set(layout.required) | set(layout.optional) | IGNORED_COLUMNS
    unknown = [c for c in header if c not in allowed]
    if unknown:
        raise ImportFileError(
            f"{name}: unknown column(s) for a Cairn {layout.frame} file: {', '.join(unknown)} "
            f"(allowed: {', '.join([*layout.required, *layout.optional, 'notes'])})"
        )


def _prepare(row: CsvRow, layout: CairnLayout, athlete_id: int) -> dict[str, Any]:
    values: dict[str, Any] = {k: v for k, v in row.values.items() if k not in IGNORED_COLUMNS}
    if not values.get("athlete_id", "").strip():
        values["athlete_id"] = athlete_id
    if layout.frame == "sessions":
        values.setdefault("external_id", "")
        values.setdefault("type", "")
        values["source"] = SOURCE
        values["external_id"] = values["external_id"] or _PENDING
        values["type"] = values["type"] or _PENDING
    return values


_HASHED_FIELDS = (
    "athlete_id",
    "date",
    "start_time",
    "kind",
    "type",
    "duration_min",
    "distance_km",
    "elevation_gain_m",
    "elevation_loss_m",
    "avg_hr",
    "rpe",
)


def _duplicate_rule(first_row: int, header: list[str], layout: CairnLayout) -> str:
    """Name only columns the user sent: a generated external_id is "every logged value"."""
    sent = [c for c in layout.unique if c in header]
    if sent:
        return f"duplicate of row {first_row} (same {', '.join(sent)})"
    return f"duplicate of row {first_row} (every logged value is the same)"


def _finish_session(record: dict[str, Any]) -> dict[str, Any]:
    if record["type"] == _PENDING:
        record["type"] = _DEFAULT_TYPES.get(record["kind"]) or classify_run(
            duration_min=record["duration_min"],
            distance_km=record["distance_km"],
            elevation_gain_m=record["elevation_gain_m"],
        )
    if record["external_id"] == _PENDING:
        # every logged value: two games on one day with different RPE are two sessions
        parts = [record.get(k) for k in _HASHED_FIELDS]
        record["external_id"] = f"cairn:{content_hash(*parts)}"
    return record


def _records(
    table: CsvTable, layout: CairnLayout, *, name: str, athlete_id: int, today: dt.date
) -> tuple[list[dict[str, Any]], list[Rejection]]:
    rejections = list(table.rejections)
    kept: list[dict[str, Any]] = []
    seen: dict[tuple, int] = {}
    for row in table.rows:
        values = _prepare(row, layout, athlete_id)
        record = validate_into(
            layout.model, values, today=today, file=name, record=row.label, rejections=rejections
        )
        if record is None:
            continue
        if layout.frame == "sessions":
            record = _finish_session(record)
        key = tuple(record[k] for k in layout.unique)
        if key in seen:
            rule = _duplicate_rule(seen[key], list(table.header), layout)
            rejections.append(Rejection(name, row.label, None, rule, None))
            continue
        seen[key] = row.number
        kept.append(record)
    return kept, rejections


def read_cairn_csv(path: Path, *, athlete_id: int, today: dt.date) -> ImportBatch:
    """Read a Cairn sessions, wellness or injuries CSV (see docs/import-formats.md).

    Args:
        path: The .csv file (UTF-8, comma or semicolon separated).
        athlete_id: Athlete for rows without their own ``athlete_id``.
        today: Reference day; records dated after it are rejected.

    Raises:
        ImportFileError: not UTF-8, no data rows, unknown header, missing required or
            unknown columns.
    """
    table = parse_csv(read_file_bytes(path), name=path.name)
    layout = find_cairn_layout(table.header)
    if layout is None:
        raise ImportFileError(
            f"{path.name}: unknown header ({', '.join(table.header)}); a Cairn CSV needs "
            "'date,kind,duration_min,...' (sessions), 'date,sleep_h,...' (wellness) or "
            "'start_date,body_part,severity,...' (injuries); see docs/import-formats.md"
        )
    _check_header(table.header, layout, name=path.name)
    kept, rejections = _records(table, layout, name=path.name, athlete_id=athlete_id, today=today)
    return ImportBatch(
        **{layout.frame: build_frame(kept, name=layout.frame)}, rejections=rejections
    )
