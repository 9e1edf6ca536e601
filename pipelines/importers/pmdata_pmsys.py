"""The PMSys part of a PMData participant folder: wellness, sRPE sessions and injuries.

See ``pipelines.importers.pmdata`` for the conversions; this module does the row work.
Every function appends its rejections and warnings to the :class:`Participant` it is given.
"""

from __future__ import annotations

import ast
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.importers.batch import (
    Rejection,
    content_hash,
    read_file_bytes,
    validate_into,
)
from pipelines.importers.csvtable import CsvRow, parse_csv, to_number
from pipelines.importers.pmdata_fitbit import read_main_sleep_hours, read_resting_hr
from pipelines.importers.session_types import classify_pmsys, classify_run
from pipelines.validation import SEVERITIES, InjuryRecord, SessionRecord, WellnessRecord

_REVERSED_ITEMS = ("fatigue", "soreness", "stress")
_LIKERT_ITEMS = ("sleep_quality", "mood", *_REVERSED_ITEMS)
_SEVERITY_WORDS = {
    "minor": "minor", "mild": "minor", "light": "minor", "small": "minor", "low": "minor",
    "moderate": "moderate", "medium": "moderate",
    "major": "major", "severe": "major", "serious": "major", "high": "major",
}  # fmt: skip


@dataclass
class Participant:
    """One participant folder being read, collecting its rejections and warnings."""

    folder: Path
    pid: str
    today: dt.date
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        """Return the athlete_ref of this participant, e.g. ``"pmdata:p01"``."""
        return f"pmdata:{self.pid}"

    def rows(self, name: str) -> tuple[str, list[CsvRow]]:
        """Return (label, rows) of ``pmsys/<name>``; no rows when the file is absent."""
        label, path = f"{self.pid}/pmsys/{name}", self.folder / "pmsys" / name
        if not path.exists():
            return label, []
        table = parse_csv(read_file_bytes(path, name=label), name=label, allow_empty=True)
        self.rejections.extend(table.rejections)
        return label, table.rows


def _utc(text: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text.strip())
        return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment
    except (ValueError, OverflowError):
        return None


def _bad_time(label: str, row: CsvRow, column: str) -> Rejection:
    rule = f"{column} must be an ISO date and time like 2019-11-01T08:31:40.751Z"
    return Rejection(label, row.label, column, rule, row.values.get(column))


def _likert(raw: str, *, reverse: bool) -> str | float | None:
    value = to_number(raw)
    if value == 0:
        return None  # PMSys writes 0 for "not answered"
    if value is None or not 1 <= value <= 5:
        return raw  # blank, text or out of range: validation reports the file's value
    return 6 - value if reverse else value


def _last_per_day(part: Participant, label: str, rows: list[CsvRow]) -> list[tuple]:
    latest: dict[dt.date, tuple[dt.datetime, CsvRow]] = {}
    timed = 0
    for row in rows:
        moment = _utc(row.values.get("effective_time_frame", ""))
        if moment is None:
            part.rejections.append(_bad_time(label, row, "effective_time_frame"))
            continue
        timed += 1
        if moment.date() not in latest or moment >= latest[moment.date()][0]:
            latest[moment.date()] = (moment, row)
    superseded = timed - len(latest)
    if superseded > 0:
        part.warnings.append(f"{label}: {superseded} earlier report(s) of a day replaced")
    return sorted(latest.items())


def read_wellness(part: Participant) -> list[dict[str, Any]]:
    """Return one validated check-in dict per UTC day (last report wins), Cairn convention."""
    label, rows = part.rows("wellness.csv")
    resting = read_resting_hr(part.folder, pid=part.pid, rejections=part.rejections)
    sleep = read_main_sleep_hours(part.folder, pid=part.pid) if rows else {}
    kept = []
    for day, (_, row) in _last_per_day(part, label, rows):
        values = row.values
        items = {k: _likert(values.get(k, ""), reverse=k in _REVERSED_ITEMS) for k in _LIKERT_ITEMS}
        sleep_h = values.get("sleep_duration_h", "")
        record = {
            "athlete_id": 0,
            "date": day,
            **items,
            "sleep_h": sleep.get(day) if to_number(sleep_h) == 0 else sleep_h,
            "readiness": values.get("readiness", ""),
            "resting_hr": resting.get(day),
        }
        columns = {"sleep_h": "sleep_duration_h", "date": "effective_time_frame"}
        parsed = validate_into(
            WellnessRecord, record, today=part.today, file=label, record=row.label,
            columns=columns, rejections=part.rejections,
        )  # fmt: skip
        if parsed is not None:
            kept.append({**parsed, "athlete_ref": part.ref})
    return kept


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        return None


def _srpe_values(part: Participant, row: CsvRow, end: dt.datetime) -> dict[str, Any]:
    values = row.values
    tags = _literal(values.get("activity_names", ""))
    kind, kind_type = classify_pmsys(tags if isinstance(tags, list) else [])
    duration = to_number(values.get("duration_min"))
    if kind == "run":
        kind_type = classify_run(
            duration_min=duration or 0.0, distance_km=None, elevation_gain_m=None
        )
    key = content_hash(part.pid, *(values.get(k) for k in sorted(values)))
    return {
        "athlete_id": 0,
        "date": end.date(),
        "start_time": end - dt.timedelta(minutes=duration) if duration else None,
        "kind": kind,
        "type": kind_type,
        "duration_min": values.get("duration_min", ""),
        "rpe": values.get("perceived_exertion", ""),
        "source": "pmdata",
        "external_id": f"pmdata:{part.pid}:srpe:{key}",
    }


def _is_empty_report(values: dict[str, str]) -> bool:
    answered = any(values.get(k, "").strip() for k in ("perceived_exertion", "duration_min"))
    return not answered and values.get("activity_names", "").strip() in ("", "{}", "[]")


def read_srpe_sessions(part: Participant) -> list[dict[str, Any]]:
    """Return validated session dicts from ``srpe.csv``; empty reports are only counted."""
    label, rows = part.rows("srpe.csv")
    kept, empty, seen = [], 0, set()
    columns = {"rpe": "perceived_exertion", "date": "end_date_time"}
    for row in rows:
        values = row.values
        if _is_empty_report(values):
            empty += 1
            continue
        end = _utc(values.get("end_date_time", ""))
        if end is None:
            part.rejections.append(_bad_time(label, row, "end_date_time"))
            continue
        parsed = validate_into(
            SessionRecord, _srpe_values(part, row, end), today=part.today, file=label,
            record=row.label, columns=columns, rejections=part.rejections,
        )  # fmt: skip
        if parsed is not None and parsed["external_id"] in seen:
            part.rejections.append(Rejection(label, row.label, None, "duplicate row", None))
        elif parsed is not None:
            seen.add(parsed["external_id"])
            kept.append({**parsed, "athlete_ref": part.ref})
    if empty:
        part.warnings.append(f"{label}: {empty} empty report(s) (no activity) skipped")
    return kept


def _injury_values(reported: dict, day: dt.date) -> dict[str, Any] | str:
    words = [_SEVERITY_WORDS.get(str(v).strip().lower()) for v in reported.values()]
    if None in words:
        return next(str(v) for v, w in zip(reported.values(), words, strict=True) if w is None)
    return {
        "athlete_id": 0,
        "start_date": day,
        "end_date": day,
        "body_part": "+".join(str(k) for k in reported),
        "severity": max(words, key=SEVERITIES.index),
    }


def read_injuries(part: Participant) -> list[dict[str, Any]]:
    """Return one validated injury dict per non-empty weekly report of ``injury.csv``."""
    label, rows = part.rows("injury.csv")
    kept = []
    for row in rows:
        reported = _literal(row.values.get("injuries", ""))
        moment = _utc(row.values.get("effective_time_frame", ""))
        if reported == {}:
            continue
        if moment is None:
            part.rejections.append(_bad_time(label, row, "effective_time_frame"))
            continue
        values = _injury_values(reported, moment.date()) if isinstance(reported, dict) else None
        if not isinstance(values, dict):
            rule = "injuries must look like {'left_knee': 'minor'} (minor, moderate or major)"
            bad = values if isinstance(values, str) else row.values.get("injuries")
            part.rejections.append(Rejection(label, row.label, "injuries", rule, bad))
            continue
        parsed = validate_into(
            InjuryRecord, values, today=part.today, file=label, record=row.label,
            rejections=part.rejections,
        )  # fmt: skip
        if parsed is not None:
            report_id = f"pmdata:{part.pid}:injury:{moment.isoformat()}"
            kept.append({**parsed, "external_id": report_id, "athlete_ref": part.ref})
    return kept
