"""GPX tracks -> one session per file (all tracks and segments together), using gpxpy.

- Start: the earliest usable timestamp. Timestamps before 1990 (e.g. the 1901 value some
  GPSBabel logs write when the clock was unset) are not usable; a file with fewer than two
  distinct usable timestamps is rejected, since a session needs a date and a duration.
  Times are UTC; GPX carries no time zone, so date and start_time are UTC.
- Duration: elapsed time from the first to the last usable timestamp. GPX has no timer, and
  session-RPE load counts the whole session, stops included; for the Garmin run exported both
  ways this matches the FIT timer time within 0.1 %. Long breaks do inflate it.
- Distance: gpxpy ``length_2d()`` (horizontal), like the distance watches report.
- Climb: gpxpy ``get_uphill_downhill()`` (3-point 0.3/0.4/0.3 smoothing against GPS noise).
- Average HR: mean over points of the Garmin TrackPointExtension ``hr`` (or ``heartrate``).
- Kind/type: from the track ``<type>`` (words, or Strava's numeric codes); when absent or
  meaningless, from the grade-adjusted speed (hike below 7 km/h, see ``session_types``).
- external_id: ``gpx:sha256:<hash of the file bytes>``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import gpxpy
import gpxpy.gpx

from pipelines.importers.batch import (
    ImportBatch,
    ImportFileError,
    build_frame,
    read_file_bytes,
    validate_into,
)
from pipelines.importers.session_types import (
    classify_by_effort_speed,
    classify_run,
    classify_track_type,
)
from pipelines.validation import SessionRecord

EARLIEST_USABLE_TIME = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
_HR_TAGS = ("hr", "heartrate", "heart_rate")


def _parse(data: bytes, *, name: str) -> gpxpy.gpx.GPX:
    try:
        return gpxpy.parse(data)
    except gpxpy.gpx.GPXXMLSyntaxException as err:
        raise ImportFileError(f"{name}: not valid GPX XML ({err})") from err
    except (gpxpy.gpx.GPXException, ValueError) as err:
        raise ImportFileError(f"{name}: not a readable GPX file ({err})") from err


def _points(gpx: gpxpy.gpx.GPX) -> list[gpxpy.gpx.GPXTrackPoint]:
    return [p for t in gpx.tracks for s in t.segments for p in s.points]


def _usable_time(point: gpxpy.gpx.GPXTrackPoint) -> dt.datetime | None:
    if point.time is None:
        return None
    moment = point.time if point.time.tzinfo else point.time.replace(tzinfo=dt.UTC)
    return moment if moment >= EARLIEST_USABLE_TIME else None


def _point_hr(point: gpxpy.gpx.GPXTrackPoint) -> float | None:
    for element in point.extensions:
        for node in element.iter():
            tag = str(node.tag).rsplit("}", 1)[-1].lower()
            if tag in _HR_TAGS and node.text:
                try:
                    value = float(node.text)
                except ValueError:
                    continue
                if value > 0:
                    return value
    return None


def _time_bounds(points: list, *, name: str) -> tuple[dt.datetime, dt.datetime]:
    times = sorted({t for t in map(_usable_time, points) if t is not None})
    if len(times) >= 2:
        return times[0], times[-1]
    raw = sorted({f"{p.time:%Y-%m-%d %H:%M:%S}" for p in points if p.time is not None})
    if not raw:
        seen = f"none of the {len(points)} points has a <time>"
    elif len(raw) == 1:
        seen = f"all timed points are at {raw[0]}"
    else:
        seen = f"fewer than two distinct times after 1990 among {raw[0]} .. {raw[-1]}"
    raise ImportFileError(
        f"{name}: no usable timestamps ({seen}); a session needs a date and a duration"
    )


def _classify(track_types: list[str | None], values: dict[str, Any]) -> tuple[str, str]:
    labelled = [c for c in map(classify_track_type, track_types) if c is not None]
    if labelled:
        kind, kind_type = labelled[0]
    else:
        kind, kind_type = classify_by_effort_speed(
            duration_min=values["duration_min"],
            distance_km=values["distance_km"],
            elevation_gain_m=values["elevation_gain_m"],
        )
    if kind == "run":
        kind_type = classify_run(
            duration_min=values["duration_min"],
            distance_km=values["distance_km"],
            elevation_gain_m=values["elevation_gain_m"],
        )
    return kind, kind_type or "other"


def _session_values(
    gpx: gpxpy.gpx.GPX, data: bytes, *, name: str, athlete_id: int
) -> dict[str, Any]:
    points = _points(gpx)
    if not points:
        raise ImportFileError(f"{name}: no track points (<trkpt>) in this GPX file")
    start, end = _time_bounds(points, name=name)
    has_elevation = any(p.elevation is not None for p in points)
    up, down = gpx.get_uphill_downhill() if has_elevation else (None, None)
    heart_rates = [hr for hr in map(_point_hr, points) if hr is not None]
    local = start.astimezone(dt.UTC).replace(tzinfo=None)
    values = {
        "athlete_id": athlete_id,
        "date": local.date(),
        "start_time": local,
        "duration_min": (end - start).total_seconds() / 60.0,
        "distance_km": gpx.length_2d() / 1000.0,
        "elevation_gain_m": up,
        "elevation_loss_m": down,
        "avg_hr": sum(heart_rates) / len(heart_rates) if heart_rates else None,
        "source": "gpx",
        "external_id": f"gpx:sha256:{hashlib.sha256(data).hexdigest()}",
    }
    kind, kind_type = _classify([t.type for t in gpx.tracks], values)
    return {**values, "kind": kind, "type": kind_type}


def read_gpx(path: Path, *, athlete_id: int, today: dt.date) -> ImportBatch:
    """Read a GPX file into one session.

    Args:
        path: The .gpx file.
        athlete_id: Cairn athlete the session belongs to.
        today: Reference day; a session dated after it is rejected.

    Raises:
        ImportFileError: empty file, malformed XML, no track points, or no usable timestamps.
    """
    data = read_file_bytes(path)
    gpx = _parse(data, name=path.name)
    values = _session_values(gpx, data, name=path.name, athlete_id=athlete_id)
    rejections: list = []
    kept = validate_into(
        SessionRecord, values, today=today, file=path.name, record="track", rejections=rejections
    )
    rows = [kept] if kept is not None else []
    return ImportBatch(sessions=build_frame(rows, name="sessions"), rejections=rejections)
