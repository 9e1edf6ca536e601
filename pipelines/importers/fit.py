"""FIT activity files (Garmin, COROS, Suunto, Strava app, ...) -> one session per FIT session.

Decoding uses fitdecode with ``check_crc=RAISE`` and ``error_handling=RAISE``:

- A bad file CRC, a truncated file (unexpected end) or a corrupt header (also of a chained
  second FIT file) mean the bytes were damaged in transit or storage: the whole file is
  rejected with :class:`ImportFileError`.
- Any other decode error (e.g. "local message 11 not defined", a recorder bug seen in the
  Strava Android app) that comes *after* a session message was decoded keeps that session,
  with a warning in ``ImportBatch.warnings``. Totals are then taken from the session message
  only; nothing is derived from the partly read records.

Per session: ``start_time`` of the session message (never file_id ``time_created``), shifted
to local time when the activity message carries ``local_timestamp``; duration = timer time
(moving), else elapsed time; distance and ascent/descent from the session totals. When the
session has no ascent/descent, they are summed from the record altitudes with gpxpy's
0.3/0.4/0.3 smoothing (a constant altitude offset does not change the sums). Average HR
falls back to the mean of record heart rates. ``external_id`` is
``fit:<manufacturer>:<serial>:<time_created>`` when the file_id has all three, else
``fit:sha256:<hash of the file bytes>``; a multi-session file adds ``#<n>``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import fitdecode
from gpxpy.geo import calculate_uphill_downhill

from pipelines.importers.batch import (
    ImportBatch,
    ImportFileError,
    Rejection,
    build_frame,
    read_file_bytes,
    validate_into,
)
from pipelines.importers.session_types import classify_fit_sport, classify_run
from pipelines.validation import SessionRecord

_MAX_LOCAL_OFFSET = dt.timedelta(hours=15)


@dataclass
class _Record:
    time: dt.datetime | None
    altitude: float | None
    heart_rate: float | None


@dataclass
class _FitContent:
    file_id: dict[str, Any] = field(default_factory=dict)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    activity: dict[str, Any] = field(default_factory=dict)
    records: list[_Record] = field(default_factory=list)
    error: str | None = None  # decode error after which the rest of the file was dropped


def _byte_offset(err: Exception) -> str:
    found = re.search(r"@ (\d+)", str(err))
    return found.group(1) if found else "?"


def _collect(message: fitdecode.FitDataMessage, content: _FitContent) -> None:
    if message.name == "record":
        altitude = message.get_value("enhanced_altitude", fallback=None)
        if altitude is None:
            altitude = message.get_value("altitude", fallback=None)
        content.records.append(
            _Record(
                time=message.get_value("timestamp", fallback=None),
                altitude=altitude,
                heart_rate=message.get_value("heart_rate", fallback=None),
            )
        )
    elif message.name in ("session", "activity") or (
        message.name == "file_id" and not content.file_id
    ):
        values = {f.name: f.value for f in message.fields if f.value is not None}
        if message.name == "session":
            content.sessions.append(values)
        else:
            setattr(content, message.name, values)


def _decode(data: bytes, *, name: str) -> _FitContent:
    content = _FitContent()
    strict = {
        "check_crc": fitdecode.CrcCheck.RAISE,
        "error_handling": fitdecode.ErrorHandling.RAISE,
    }
    try:
        with fitdecode.FitReader(io.BytesIO(data), **strict) as reader:
            for frame in reader:
                if isinstance(frame, fitdecode.FitDataMessage):
                    _collect(frame, content)
    except fitdecode.FitHeaderError as err:
        at = _byte_offset(err)
        if content.file_id or content.sessions:
            problem = f"damaged FIT file (corrupt header of a chained FIT file at byte {at})"
        else:
            problem = f"not a FIT file (corrupt header at byte {at})"
        raise ImportFileError(f"{name}: {problem}") from err
    except fitdecode.FitCRCError as err:
        raise ImportFileError(
            f"{name}: damaged FIT file (checksum mismatch: {err}); export or copy it again"
        ) from err
    except fitdecode.FitEOFError as err:
        raise ImportFileError(
            f"{name}: truncated FIT file (it ends unexpectedly at byte {_byte_offset(err)}); "
            "the download or copy was probably cut short"
        ) from err
    except fitdecode.FitError as err:
        if not content.sessions:
            raise ImportFileError(f"{name}: cannot decode the FIT file ({err})") from err
        content.error = str(err)
    except (
        struct.error, ValueError, IndexError, KeyError, TypeError, EOFError,
        AssertionError, AttributeError, OverflowError,
    ) as err:  # fmt: skip
        # fitdecode lets low-level errors through on some damaged bytes
        raise ImportFileError(
            f"{name}: damaged FIT file ({type(err).__name__}: {err}); export or copy it again"
        ) from err
    return content


def _local_offset(activity: dict[str, Any]) -> dt.timedelta | None:
    local, utc = activity.get("local_timestamp"), activity.get("timestamp")
    if not isinstance(local, dt.datetime) or not isinstance(utc, dt.datetime):
        return None
    offset = local.replace(tzinfo=None) - utc.astimezone(dt.UTC).replace(tzinfo=None)
    return offset if abs(offset) <= _MAX_LOCAL_OFFSET else None


def _external_id(file_id: dict[str, Any], data: bytes) -> str:
    parts = [file_id.get(k) for k in ("manufacturer", "serial_number", "time_created")]
    if all(p is not None for p in parts):
        created = parts[2].isoformat() if isinstance(parts[2], dt.datetime) else parts[2]
        return f"fit:{parts[0]}:{parts[1]}:{created}"
    return f"fit:sha256:{hashlib.sha256(data).hexdigest()}"


def _window(records: list[_Record], start: dt.datetime, seconds: float) -> list[_Record]:
    end = start + dt.timedelta(seconds=seconds)
    return [r for r in records if r.time is not None and start <= r.time <= end]


def _record_totals(records: list[_Record]) -> tuple[float | None, float | None, float | None]:
    """Return (ascent m, descent m, mean HR bpm) from records; None where not measured."""
    altitudes: list[float | None] = [float(r.altitude) for r in records if r.altitude is not None]
    heart_rates = [float(r.heart_rate) for r in records if r.heart_rate]
    up, down = calculate_uphill_downhill(altitudes) if len(altitudes) > 1 else (None, None)
    mean_hr = sum(heart_rates) / len(heart_rates) if heart_rates else None
    return up, down, mean_hr


def _session_values(
    session: dict[str, Any], content: _FitContent, *, athlete_id: int, external_id: str
) -> dict[str, Any]:
    start = session.get("start_time")
    seconds = session.get("total_timer_time") or session.get("total_elapsed_time")
    elapsed = session.get("total_elapsed_time") or seconds or 0.0
    records = [] if content.error or start is None else _window(content.records, start, elapsed)
    up, down, mean_hr = _record_totals(records)
    offset = _local_offset(content.activity) or dt.timedelta(0)
    local = (start.astimezone(dt.UTC) + offset).replace(tzinfo=None) if start else None
    distance_m = session.get("total_distance")
    values = {
        "athlete_id": athlete_id,
        "date": local.date() if local else None,
        "start_time": local,
        "duration_min": seconds / 60.0 if seconds else None,
        "distance_km": distance_m / 1000.0 if distance_m is not None else None,
        "elevation_gain_m": session.get("total_ascent", up),
        "elevation_loss_m": session.get("total_descent", down),
        "avg_hr": session.get("avg_heart_rate", mean_hr),
        "source": "fit",
        "external_id": external_id,
    }
    kind, kind_type = classify_fit_sport(session.get("sport"), session.get("sub_sport"))
    if kind == "run" and values["duration_min"]:
        kind_type = classify_run(
            duration_min=cast(float, values["duration_min"]),
            distance_km=cast(float | None, values["distance_km"]),
            elevation_gain_m=cast(float | None, values["elevation_gain_m"]),
        )
    return {**values, "kind": kind, "type": kind_type or "easy_trail"}


def _validated_sessions(
    content: _FitContent,
    data: bytes,
    *,
    name: str,
    athlete_id: int,
    today: dt.date,
    rejections: list[Rejection],
) -> list[dict[str, Any]]:
    base_id = _external_id(content.file_id, data)
    many = len(content.sessions) > 1
    rows = []
    for number, session in enumerate(content.sessions, start=1):
        external_id = f"{base_id}#{number}" if many else base_id
        values = _session_values(session, content, athlete_id=athlete_id, external_id=external_id)
        label = f"session {number}" if many else "session"
        kept = validate_into(
            SessionRecord, values, today=today, file=name, record=label, rejections=rejections
        )
        if kept is not None:
            rows.append(kept)
    return rows


def read_fit(path: Path, *, athlete_id: int, today: dt.date) -> ImportBatch:
    """Read a FIT activity file into sessions (no sets, wellness or injuries).

    Args:
        path: The .fit file.
        athlete_id: Cairn athlete the sessions belong to.
        today: Reference day; sessions dated after it are rejected.

    Raises:
        ImportFileError: 0-byte, damaged (CRC, truncated, corrupt header) or undecodable
            file, or a file with no session message.
    """
    data = read_file_bytes(path)
    content = _decode(data, name=path.name)
    if not content.sessions:
        raise ImportFileError(
            f"{path.name}: no session in this FIT file (not an activity recording, "
            "or the activity was never saved)"
        )
    rejections: list[Rejection] = []
    rows = _validated_sessions(
        content, data, name=path.name, athlete_id=athlete_id, today=today, rejections=rejections
    )
    warnings = []
    if content.error:
        warnings.append(
            f"{path.name}: the file could not be decoded to the end ({content.error}); "
            "kept the session summary decoded before the error"
        )
    return ImportBatch(
        sessions=build_frame(rows, name="sessions"), rejections=rejections, warnings=warnings
    )
