"""Lift-log exports (Strong comma, Strong semicolon, Hevy) -> strength sessions and sets.

Rows are grouped into workouts: Strong by (Date, Workout Name), Strong semicolon by
(Workout #, Date), Hevy by (title, start_time). Each workout becomes one ``strength``
session dated by its local start (the apps write no time zone):

- duration: Strong ``Duration`` ("2h 18m"), Strong semicolon ``Duration (sec)``,
  Hevy end_time - start_time;
- type: ``strength_lower`` when at least half the sets are lower-body exercises, else
  ``strength_full`` (see ``session_types.classify_strength``);
- rpe: mean of the set RPEs given, NaN when none;
- external_id: ``<source>:<hash of (source, start, workout name)>``, stable across re-imports.

Every row is one set (warm-up and timed sets included). ``set_number`` counts the sets of
an exercise within the workout from 1, in file order. A weight of 0 or blank is bodyweight
(``load_kg`` NaN); a set with 0 reps but some Seconds (a plank) has ``reps`` NaN. Weights
are taken as kg (Strong's comma export does not state its unit). Tonnage is computed later.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from statistics import mean
from typing import Any

from pipelines.importers.batch import (
    ImportBatch,
    ImportFileError,
    Rejection,
    build_frame,
    content_hash,
    read_file_bytes,
    validate_into,
)
from pipelines.importers.csvtable import CsvRow, parse_csv, to_number
from pipelines.importers.session_types import classify_strength
from pipelines.validation import SessionRecord, SetRecord


@dataclass(frozen=True)
class StrengthLayout:
    """Column names of one lift-log export flavour."""

    source: str
    required: frozenset[str]
    key: tuple[str, ...]
    start: str
    name: str
    exercise: str
    weight: str
    reps: str
    rpe: str
    seconds: str | None
    date_formats: tuple[str, ...]
    duration_column: str
    duration: Callable[[dict[str, str], dt.datetime], float | str | None]


def _strong_duration(values: dict[str, str], _start: dt.datetime) -> float | str | None:
    text = values.get("Duration", "").strip()
    parts = re.fullmatch(r"(?:(\d+)h)?\s*(?:(\d+)m(?:in)?)?\s*(?:(\d+)s)?", text)
    if not text or not parts or not any(parts.groups()):
        return text or None
    hours, minutes, seconds = (int(g) if g else 0 for g in parts.groups())
    return hours * 60.0 + minutes + seconds / 60.0


def _seconds_duration(values: dict[str, str], _start: dt.datetime) -> float | str | None:
    text = values.get("Duration (sec)", "").strip()
    try:
        return float(text) / 60.0
    except ValueError:
        return text or None


def _hevy_duration(values: dict[str, str], start: dt.datetime) -> float | str | None:
    text = values.get("end_time", "").strip()
    try:
        end = dt.datetime.strptime(text, "%d %b %Y, %H:%M")
    except ValueError:
        return text or None
    return (end - start).total_seconds() / 60.0


_STRONG_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")
LAYOUTS = (
    StrengthLayout(
        source="strong",
        required=frozenset({"Date", "Workout Name", "Duration", "Exercise Name", "Weight", "Reps"}),
        key=("Date", "Workout Name"),
        start="Date",
        name="Workout Name",
        exercise="Exercise Name",
        weight="Weight",
        reps="Reps",
        rpe="RPE",
        seconds="Seconds",
        date_formats=_STRONG_FORMATS,
        duration_column="Duration",
        duration=_strong_duration,
    ),
    StrengthLayout(
        source="strong",
        required=frozenset(
            {"Workout #", "Date", "Workout Name", "Duration (sec)", "Exercise Name"}
            | {"Weight (kg)", "Reps"}
        ),
        key=("Workout #", "Date"),
        start="Date",
        name="Workout Name",
        exercise="Exercise Name",
        weight="Weight (kg)",
        reps="Reps",
        rpe="RPE",
        seconds="Seconds",
        date_formats=_STRONG_FORMATS,
        duration_column="Duration (sec)",
        duration=_seconds_duration,
    ),
    StrengthLayout(
        source="hevy",
        required=frozenset(
            {"title", "start_time", "end_time", "exercise_title", "weight_kg", "reps"}
        ),
        key=("title", "start_time"),
        start="start_time",
        name="title",
        exercise="exercise_title",
        weight="weight_kg",
        reps="reps",
        rpe="rpe",
        seconds="duration_seconds",
        date_formats=("%d %b %Y, %H:%M",),
        duration_column="end_time",
        duration=_hevy_duration,
    ),
)


def find_strength_layout(header: list[str]) -> StrengthLayout | None:
    """Return the layout whose required columns are all in ``header`` (Strong first)."""
    # The semicolon variant also has every column the comma variant needs except Duration.
    for layout in sorted(LAYOUTS, key=lambda lay: -len(lay.required)):
        if layout.required <= set(header):
            return layout
    return None


def _parse_start(text: str, layout: StrengthLayout) -> dt.datetime | None:
    for fmt in layout.date_formats:
        try:
            return dt.datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    return None


def _set_values(row: CsvRow, layout: StrengthLayout, set_number: int) -> dict[str, Any]:
    values = row.values
    weight, reps = values.get(layout.weight, ""), values.get(layout.reps, "")
    seconds = to_number(values.get(layout.seconds)) if layout.seconds else None
    if to_number(weight) == 0:
        weight = ""  # bodyweight
    if to_number(reps) == 0 and seconds:
        reps = ""  # timed set (plank): no reps
    return {
        "exercise": values.get(layout.exercise, ""),
        "set_number": set_number,
        "reps": reps,
        "load_kg": weight,
        "rpe": values.get(layout.rpe, ""),
    }


def _columns(layout: StrengthLayout) -> dict[str, str]:
    return {
        "exercise": layout.exercise,
        "reps": layout.reps,
        "load_kg": layout.weight,
        "rpe": layout.rpe,
        "date": layout.start,
        "duration_min": layout.duration_column,
    }


@dataclass(frozen=True)
class _Context:
    file: str
    layout: StrengthLayout
    athlete_id: int
    today: dt.date


def _sets(
    rows: list[CsvRow], external_id: str, ctx: _Context, rejections: list[Rejection]
) -> list[dict[str, Any]]:
    counters: dict[str, int] = {}
    kept = []
    for row in rows:
        exercise = row.values.get(ctx.layout.exercise, "").strip()
        counters[exercise] = counters.get(exercise, 0) + 1
        values = {
            **_set_values(row, ctx.layout, counters[exercise]),
            "athlete_id": ctx.athlete_id,
            "session_external_id": external_id,
        }
        parsed = validate_into(
            SetRecord,
            values,
            today=ctx.today,
            file=ctx.file,
            record=row.label,
            columns=_columns(ctx.layout),
            rejections=rejections,
        )
        if parsed is not None:
            kept.append(parsed)
    return kept


def _workout(
    rows: list[CsvRow], ctx: _Context, rejections: list[Rejection]
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    layout, first = ctx.layout, rows[0].values
    name = first.get(layout.name, "").strip()
    label = f"workout '{name}' (rows {rows[0].number}-{rows[-1].number})"
    start = _parse_start(first.get(layout.start, ""), layout)
    if start is None:
        example = dt.datetime(2021, 2, 10, 16, 46, 13).strftime(layout.date_formats[0])
        rule = f"{layout.start} must be a date and time like {example}"
        rejections.append(Rejection(ctx.file, label, layout.start, rule, first.get(layout.start)))
        return None, []
    external_id = f"{layout.source}:{content_hash(layout.source, start.isoformat(), name)}"
    sets = _sets(rows, external_id, ctx, rejections)
    rpes = [s["rpe"] for s in sets if s["rpe"] is not None]
    session = {
        "athlete_id": ctx.athlete_id,
        "date": start.date(),
        "start_time": start,
        "kind": "strength",
        "type": classify_strength(s["exercise"] for s in sets),
        "duration_min": layout.duration(first, start),
        "rpe": mean(rpes) if rpes else None,
        "source": layout.source,
        "external_id": external_id,
    }
    kept = validate_into(
        SessionRecord,
        session,
        today=ctx.today,
        file=ctx.file,
        record=label,
        columns=_columns(layout),
        rejections=rejections,
    )
    return (kept, sets) if kept is not None else (None, [])


def read_strength_csv(path: Path, *, athlete_id: int, today: dt.date) -> ImportBatch:
    """Read a Strong (comma or semicolon) or Hevy export into sessions and sets.

    Args:
        path: The exported .csv file (UTF-8).
        athlete_id: Cairn athlete the workouts belong to.
        today: Reference day; workouts dated after it are rejected.

    Raises:
        ImportFileError: not UTF-8, no data rows, or a header that is none of the layouts.
    """
    table = parse_csv(read_file_bytes(path), name=path.name)
    layout = find_strength_layout(table.header)
    if layout is None:
        raise ImportFileError(
            f"{path.name}: unknown header for a lift log ({', '.join(table.header)}); "
            "expected a Strong or Hevy export (see docs/import-formats.md)"
        )
    ctx = _Context(file=path.name, layout=layout, athlete_id=athlete_id, today=today)
    groups: dict[tuple[str, ...], list[CsvRow]] = {}
    for row in table.rows:
        key = tuple(row.values.get(column, "").strip() for column in layout.key)
        groups.setdefault(key, []).append(row)
    rejections = list(table.rejections)
    sessions, sets = [], []
    for rows in groups.values():
        session, workout_sets = _workout(rows, ctx, rejections)
        if session is not None:
            sessions.append(session)
            sets.extend(workout_sets)
    return ImportBatch(
        sessions=build_frame(sessions, name="sessions"),
        sets=build_frame(sets, name="sets"),
        rejections=rejections,
    )
