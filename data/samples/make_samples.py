"""Write Cairn's small sample import files into this folder (deterministic).

Run from the repository root::

    python data/samples/make_samples.py            # (re)write the samples here
    python data/samples/make_samples.py OUT_DIR    # write them elsewhere

Every file is made up by this script; none is taken from a real person. The FIT file needs
the ``fit-tool`` package (a FIT writer); the GPX file is written with ``gpxpy``. The output
is byte-for-byte the same on every run: fixed times, fixed formulas, no randomness.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import sys
from pathlib import Path
from xml.etree import ElementTree

START = dt.datetime(2024, 5, 4, 7, 30, tzinfo=dt.UTC)  # a Saturday morning run
LOCAL_OFFSET_S = 2 * 3600  # the watch is on UTC+2
STEP_S = 10  # one record every 10 s
N_POINTS = 181  # 30 minutes
OUT_AND_BACK_M = 5000.0
CLIMB_M = 150.0
BASE_ALTITUDE_M = 500.0
METRES_PER_DEGREE_LAT = 111_195.0
FIT_EPOCH_S = 631_065_600  # 1989-12-31T00:00:00Z in Unix seconds


def run_track() -> list[dict[str, float]]:
    """Return the sample run: an out-and-back up a 150 m hill, one point every 10 s.

    Each point has time offset (s), cumulative distance (m), latitude, longitude (degrees),
    altitude (m, with a small deterministic wobble) and heart rate (bpm).
    """
    points = []
    for i in range(N_POINTS):
        share = i / (N_POINTS - 1)
        distance = OUT_AND_BACK_M * share
        north = min(distance, OUT_AND_BACK_M - distance)
        altitude = BASE_ALTITUDE_M + CLIMB_M * math.sin(math.pi * share) + 0.8 * math.sin(i)
        points.append(
            {
                "t": float(i * STEP_S),
                "distance": round(distance, 2),
                "lat": round(46.0 + north / METRES_PER_DEGREE_LAT, 7),
                "lon": 13.7,
                "altitude": round(altitude, 1),
                "hr": float(round(125 + 30 * math.sin(math.pi * share) + 5 * share)),
            }
        )
    return points


def _fit_session(points: list[dict[str, float]], *, t0_ms: int, end_ms: int) -> object:
    from fit_tool.profile.messages.session_message import SessionMessage
    from fit_tool.profile.profile_type import Sport, SubSport
    from gpxpy.geo import calculate_uphill_downhill

    up, down = calculate_uphill_downhill([p["altitude"] for p in points])
    session = SessionMessage()
    session.timestamp = end_ms
    session.start_time = t0_ms
    session.sport = Sport.RUNNING
    session.sub_sport = SubSport.TRAIL
    session.total_elapsed_time = points[-1]["t"]
    session.total_timer_time = points[-1]["t"]
    session.total_distance = points[-1]["distance"]
    session.total_ascent = round(up)
    session.total_descent = round(down)
    session.avg_heart_rate = round(sum(p["hr"] for p in points) / len(points))
    return session


def fit_bytes(points: list[dict[str, float]]) -> bytes:
    """Return the run as a FIT activity file (file_id, records, session, activity)."""
    from fit_tool.fit_file_builder import FitFileBuilder
    from fit_tool.profile.messages.activity_message import ActivityMessage
    from fit_tool.profile.messages.file_id_message import FileIdMessage
    from fit_tool.profile.messages.record_message import RecordMessage
    from fit_tool.profile.profile_type import FileType, Manufacturer

    t0_ms = int(START.timestamp()) * 1000
    end_ms = t0_ms + int(points[-1]["t"]) * 1000
    builder = FitFileBuilder(auto_define=True, min_string_size=50)
    file_id = FileIdMessage()
    file_id.type = FileType.ACTIVITY
    file_id.manufacturer = Manufacturer.DEVELOPMENT.value
    file_id.product = 0
    file_id.serial_number = 20240504
    file_id.time_created = t0_ms
    builder.add(file_id)
    for point in points:
        record = RecordMessage()
        record.timestamp = t0_ms + int(point["t"]) * 1000
        record.position_lat = point["lat"]
        record.position_long = point["lon"]
        record.distance = point["distance"]
        record.altitude = point["altitude"]
        record.heart_rate = int(point["hr"])
        builder.add(record)
    builder.add(_fit_session(points, t0_ms=t0_ms, end_ms=end_ms))
    activity = ActivityMessage()
    activity.timestamp = end_ms
    activity.local_timestamp = end_ms // 1000 + LOCAL_OFFSET_S - FIT_EPOCH_S
    activity.total_timer_time = points[-1]["t"]
    activity.num_sessions = 1
    builder.add(activity)
    return builder.build().to_bytes()


def gpx_text(points: list[dict[str, float]]) -> str:
    """Return the run as GPX 1.1 with Garmin TrackPointExtension heart rates."""
    import gpxpy.gpx

    ns = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "Cairn data/samples/make_samples.py"
    gpx.nsmap["gpxtpx"] = ns
    track = gpxpy.gpx.GPXTrack(name="Sample hill run")
    track.type = "running"
    segment = gpxpy.gpx.GPXTrackSegment()
    for point in points:
        trkpt = gpxpy.gpx.GPXTrackPoint(
            latitude=point["lat"],
            longitude=point["lon"],
            elevation=point["altitude"],
            time=START + dt.timedelta(seconds=point["t"]),
        )
        extension = ElementTree.Element(f"{{{ns}}}TrackPointExtension")
        ElementTree.SubElement(extension, f"{{{ns}}}hr").text = str(int(point["hr"]))
        trkpt.extensions.append(extension)
        segment.points.append(trkpt)
    track.segments.append(segment)
    gpx.tracks.append(track)
    return gpx.to_xml()


STRONG_SEMICOLON_HEADER = [
    "Workout #", "Date", "Workout Name", "Duration (sec)", "Exercise Name", "Set Order",
    "Weight (kg)", "Reps", "RPE", "Distance (meters)", "Seconds", "Notes", "Workout Notes",
]  # fmt: skip
_WORKOUTS = [
    (1, "2024-05-06 18:00:00", "Legs A", 3600, [
        ("Goblet Squat (Kettlebell)", [(24, 10, 7), (24, 10, 7.5), (24, 10, 8)], 0),
        ("Bulgarian Split Squat (Dumbbell)", [(16, 8, 7), (16, 8, 8), (16, 8, 8.5)], 0),
        ("Calf Raise", [(0, 15, ""), (0, 15, "")], 0),
        ("Plank", [(0, 0, ""), (0, 0, "")], 60),
    ]),
    (2, "2024-05-09 18:30:00", "Upper + Core", 2700, [
        ("Push Up", [(0, 12, 6), (0, 12, 7), (0, 12, 7)], 0),
        ("Renegade Row (Dumbbell)", [(12.5, 8, 7), (12.5, 8, 7), (12.5, 8, 8)], 0),
        ("Dead Bug", [(0, 10, ""), (0, 10, "")], 0),
        ("Pallof Press (Cable)", [(10, 12, ""), (10, 12, "")], 0),
    ]),
]  # fmt: skip


def _csv(rows: list[list[object]], *, delimiter: str = ",", quote_all: bool = False) -> str:
    buffer = io.StringIO()
    quoting = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue()


def strong_semicolon_text() -> str:
    """Return a small Strong export in its semicolon variant (every field quoted)."""
    rows: list[list[object]] = [STRONG_SEMICOLON_HEADER]
    for number, start, name, seconds, exercises in _WORKOUTS:
        for exercise, sets, hold_s in exercises:
            for order, (weight, reps, rpe) in enumerate(sets, start=1):
                rows.append(
                    [number, start, name, seconds, exercise, order, weight, reps, rpe, 0,
                     hold_s, "", ""]
                )  # fmt: skip
    return _csv(rows, delimiter=";", quote_all=True)


CAIRN_SESSIONS = [
    ["date", "start_time", "kind", "type", "duration_min", "distance_km", "elevation_gain_m",
     "elevation_loss_m", "avg_hr", "rpe", "notes"],
    ["2024-05-06", "2024-05-06T18:00:00", "strength", "strength_lower", 60, "", "", "", "", 7,
     "goblet squat, split squat"],
    ["2024-05-07", "2024-05-07T07:00:00", "run", "easy_trail", 50, 8.2, 180, 175, 138, 4, ""],
    ["2024-05-08", "", "mobility", "mobility", 25, "", "", "", "", 2, "hips and ankles"],
    ["2024-05-09", "2024-05-09T18:30:00", "strength", "strength_full", 45, "", "", "", "", 6, ""],
    ["2024-05-10", "2024-05-10T06:45:00", "run", "tempo", 45, 9.0, 60, 60, 162, 7,
     "3 x 10 min steady"],
    ["2024-05-11", "2024-05-11T08:00:00", "run", "long_trail", 135, 19.5, 950, 940, 145, 6, ""],
    ["2024-05-12", "2024-05-12T10:00:00", "cross", "easy_spin", 40, 15.0, 80, 80, 118, 2,
     "flush ride"],
]  # fmt: skip
CAIRN_WELLNESS = [
    ["date", "sleep_h", "sleep_quality", "soreness", "fatigue", "mood", "stress", "resting_hr",
     "hrv_rmssd", "readiness", "pain", "illness"],
    ["2024-05-06", 7.5, 4, 2, 2, 4, 2, 48, 72, 8, "false", "false"],
    ["2024-05-07", 7.0, 3, 3, 2, 4, 2, 49, 68, 7, "false", "false"],
    ["2024-05-08", 6.5, 3, 3, 3, 3, 3, 51, 61, 6, "false", "false"],
    ["2024-05-09", 8.0, 4, 2, 2, 4, 2, 48, 70, 8, "false", "false"],
    ["2024-05-10", 7.5, 4, 2, 2, 4, 3, 49, 69, 7, "false", "false"],
    ["2024-05-11", 6.0, 2, 3, 3, 3, 3, 52, 58, 5, "true", "false"],
    ["2024-05-12", 8.5, 5, 4, 3, 4, 2, 50, 63, 6, "true", "false"],
]  # fmt: skip
CAIRN_INJURIES = [
    ["start_date", "end_date", "body_part", "severity", "notes"],
    ["2024-03-02", "2024-03-16", "left_ankle", "moderate", "rolled it on a descent"],
    ["2024-05-12", "", "right_knee", "minor", "still sore, not yet resolved"],
]


def write_samples(folder: Path) -> list[Path]:
    """Write every sample file into ``folder`` and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    points = run_track()
    texts = {
        "hill-run.gpx": gpx_text(points),
        "strong-semicolon.csv": strong_semicolon_text(),
        "cairn-sessions.csv": _csv(CAIRN_SESSIONS),
        "cairn-wellness.csv": _csv(CAIRN_WELLNESS),
        "cairn-injuries.csv": _csv(CAIRN_INJURIES),
    }
    written = [folder / "hill-run.fit"]
    written[0].write_bytes(fit_bytes(points))
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8", newline="\n")
        written.append(folder / name)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    for path in write_samples(target):
        print(f"wrote {path} ({path.stat().st_size} bytes)")
