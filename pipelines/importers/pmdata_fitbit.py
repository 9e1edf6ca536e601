"""The Fitbit part of a PMData participant folder: exercise log, resting HR and sleep.

- ``exercise.json`` -> sessions with source ``pmdata-fitbit``: the date and start are
  Fitbit's ``startTime`` (the watch's local time); duration = ``activeDuration`` (ms);
  avg_hr = ``averageHeartRate`` (0 = missing); distance in km (``Mile`` converted; 0 km
  means "not measured", e.g. indoor bikes); elevation_gain_m = ``elevationGain`` (metres,
  from the barometer); rpe NaN. external_id = ``fitbit:<logId>``.
- ``resting_heart_rate.json`` -> {date: bpm}; 0.0 means missing and is dropped.
- ``sleep.json`` -> {date: hours asleep of the main sleep ending that morning}.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, cast

from pipelines.importers.batch import ImportFileError, Rejection, read_file_bytes, validate_into
from pipelines.importers.session_types import classify_fitbit, classify_run
from pipelines.validation import RESTING_HR_MAX, RESTING_HR_MIN, SessionRecord

FITBIT_SOURCE = "pmdata-fitbit"
_MILE_KM = 1.609344


def load_json_list(path: Path, *, name: str) -> list[dict[str, Any]]:
    """Return the list of objects in a Fitbit JSON file, or [] when the file is absent."""
    if not path.exists():
        return []
    try:
        items = json.loads(read_file_bytes(path, name=name).decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ImportFileError(f"{name}: not a readable JSON file ({err})") from err
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ImportFileError(f"{name}: expected a JSON list of objects")
    return items


def _positive(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and value > 0 else None


def _distance_km(item: dict[str, Any]) -> float | None:
    distance = _positive(item.get("distance"))
    if distance is None:
        return None
    return distance * _MILE_KM if str(item.get("distanceUnit", "")).lower() == "mile" else distance


def _exercise_values(item: dict[str, Any], *, ref: str) -> dict[str, Any]:
    try:
        start = dt.datetime.fromisoformat(str(item.get("startTime")))
    except ValueError:
        start = None
    duration_ms = item.get("activeDuration") or item.get("duration")
    duration_min = duration_ms / 60000.0 if isinstance(duration_ms, int | float) else None
    values = {
        "athlete_id": 0,
        "date": start.date() if start else item.get("startTime"),
        "start_time": start,
        "duration_min": duration_min,
        "distance_km": _distance_km(item),
        "elevation_gain_m": item.get("elevationGain"),
        "avg_hr": _positive(item.get("averageHeartRate")),
        "source": FITBIT_SOURCE,
        "external_id": f"fitbit:{item.get('logId')}",
        "athlete_ref": ref,
    }
    kind, kind_type = classify_fitbit(str(item.get("activityName", "")))
    if kind == "run":
        kind_type = classify_run(
            duration_min=duration_min or 0.0,
            distance_km=cast(float | None, values["distance_km"]),
            elevation_gain_m=cast(float | None, values["elevation_gain_m"]),
        )
    return {**values, "kind": kind, "type": kind_type}


def read_fitbit_sessions(
    folder: Path, *, pid: str, ref: str, today: dt.date, rejections: list[Rejection]
) -> list[dict[str, Any]]:
    """Return validated session dicts from ``<folder>/fitbit/exercise.json``.

    Args:
        folder: The participant folder (e.g. ``.../pmdata/p01``).
        pid: Participant id, used in file names of rejections.
        ref: The athlete_ref for the rows (``"pmdata:p01"``).
        today: Reference day for "not in the future".
        rejections: Appended with the invalid entries.
    """
    name = f"{pid}/fitbit/exercise.json"
    kept = []
    for item in load_json_list(folder / "fitbit" / "exercise.json", name=name):
        values = _exercise_values(item, ref=ref)
        record = validate_into(
            SessionRecord,
            {k: v for k, v in values.items() if k != "athlete_ref"},
            today=today,
            file=name,
            record=f"logId {item.get('logId')}",
            rejections=rejections,
        )
        if record is not None:
            kept.append({**record, "athlete_ref": ref})
    return kept


def read_resting_hr(folder: Path, *, pid: str, rejections: list[Rejection]) -> dict[dt.date, float]:
    """Return {date: resting HR bpm} from ``resting_heart_rate.json`` (0.0 = missing)."""
    name = f"{pid}/fitbit/resting_heart_rate.json"
    found: dict[dt.date, float] = {}
    for item in load_json_list(folder / "fitbit" / "resting_heart_rate.json", name=name):
        raw_date = str(item.get("dateTime", ""))[:10]
        value = (item.get("value") or {}).get("value")
        if not isinstance(value, int | float) or value == 0:
            continue
        try:
            day = dt.date.fromisoformat(raw_date)
        except ValueError:
            rejections.append(Rejection(name, raw_date, "dateTime", "must be a date", raw_date))
            continue
        if not RESTING_HR_MIN <= value <= RESTING_HR_MAX:
            rule = f"resting_hr must be between {RESTING_HR_MIN:g} and {RESTING_HR_MAX:g} bpm"
            rejections.append(Rejection(name, raw_date, "value", rule, f"{value:g}"))
            continue
        found[day] = float(value)
    return found


def read_main_sleep_hours(folder: Path, *, pid: str) -> dict[dt.date, float]:
    """Return {date: hours asleep} of the main sleep that ended on that date."""
    name = f"{pid}/fitbit/sleep.json"
    hours: dict[dt.date, float] = {}
    for item in load_json_list(folder / "fitbit" / "sleep.json", name=name):
        asleep = item.get("minutesAsleep")
        if not item.get("mainSleep") or not isinstance(asleep, int | float):
            continue
        try:
            hours[dt.date.fromisoformat(str(item.get("dateOfSleep")))] = asleep / 60.0
        except ValueError:
            continue
    return hours
