"""Column contracts for the frames that flow between pipelines, models and engine.

Every log frame carries ``athlete_id`` (int) and a calendar ``date`` (``datetime64[ns]``,
normalised to midnight, the athlete's local day). Units are in the column names or below.

Wellness scales (Cairn's convention, 1-5 Likert):
    sleep_quality, mood: higher is better (5 = great).
    soreness, fatigue, stress: higher is worse (5 = very sore / exhausted / stressed).
    readiness: the athlete's own "how ready do I feel", 0-10.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

# One row per training session.
SESSION_COLUMNS: dict[str, str] = {
    "athlete_id": "int64",
    "date": "datetime64[ns]",
    "start_time": "datetime64[ns]",  # local start time, may be NaT
    "kind": "object",  # run | strength | cross | mobility
    "type": "object",  # e.g. easy_trail, long_trail, hills, tempo, strength_lower
    "duration_min": "float64",
    "distance_km": "float64",  # NaN when not measured
    "elevation_gain_m": "float64",
    "elevation_loss_m": "float64",
    "avg_hr": "float64",  # beats per minute, NaN when absent
    "rpe": "float64",  # CR-10 session RPE, 0-10, NaN when not reported
    "source": "object",  # manual | fit | gpx | strong | hevy | cairn-csv | pmdata | simulator
    "external_id": "object",  # stable id within its source (file id or content hash)
}

# One row per strength set; ``session_external_id`` links it to its session.
SET_COLUMNS: dict[str, str] = {
    "athlete_id": "int64",
    "session_external_id": "object",
    "exercise": "object",
    "set_number": "int64",
    "reps": "float64",
    "load_kg": "float64",  # NaN for bodyweight
    "rpe": "float64",
}

# One row per morning check-in (at most one per athlete-day).
WELLNESS_COLUMNS: dict[str, str] = {
    "athlete_id": "int64",
    "date": "datetime64[ns]",
    "sleep_h": "float64",
    "sleep_quality": "float64",
    "soreness": "float64",
    "fatigue": "float64",
    "mood": "float64",
    "stress": "float64",
    "resting_hr": "float64",
    "hrv_rmssd": "float64",  # ms
    "readiness": "float64",  # self-reported 0-10
    "pain": "bool",
    "illness": "bool",
}

# One row per injury (time-loss event); ``end_date`` NaT while still open.
INJURY_COLUMNS: dict[str, str] = {
    "athlete_id": "int64",
    "start_date": "datetime64[ns]",
    "end_date": "datetime64[ns]",
    "body_part": "object",
    "severity": "object",  # minor | moderate | major
    "external_id": "object",  # one per report; default natural key, see injury_external_id
}

# Static athlete attributes.
ATHLETE_COLUMNS: dict[str, str] = {
    "athlete_id": "int64",
    "name": "object",
    "birth_year": "float64",
    "sex": "object",
    "experience_years": "float64",
    "max_hr": "float64",
    "resting_hr": "float64",
    "goal": "object",
}


def injury_external_id(start_date: object, body_part: str) -> str:
    """The natural identity of an injury when its source has no report id: start + body part."""
    return f"{pd.Timestamp(start_date).date().isoformat()}:{body_part}"


def empty_frame(columns: dict[str, str]) -> pd.DataFrame:
    """Return an empty frame with the contract's columns and dtypes."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def check_columns(frame: pd.DataFrame, required: Sequence[str], *, name: str) -> None:
    """Raise ``ValueError`` naming the frame and the missing columns, if any."""
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise ValueError(f"{name} frame is missing columns: {', '.join(missing)}")


def conform(frame: pd.DataFrame, columns: dict[str, str], *, name: str) -> pd.DataFrame:
    """Check a frame against a contract and return it with exactly those columns, cast.

    Optional numeric columns that are absent are added as NaN; identity columns must exist.
    """
    required = [c for c in ("athlete_id", "date", "start_date") if c in columns]
    check_columns(frame, required, name=name)
    out = frame.copy()
    for column, dtype in columns.items():
        if column not in out.columns:
            out[column] = pd.Series(pd.NA if dtype == "object" else None, index=out.index)
        if dtype.startswith("datetime"):
            out[column] = pd.to_datetime(out[column]).astype("datetime64[ns]")
        elif dtype == "bool":
            values = out[column].astype(object)  # a missing flag is False (any source dtype)
            out[column] = values.where(values.notna(), False).astype(bool)
        elif dtype != "object":
            out[column] = pd.to_numeric(out[column]).astype(dtype)
        else:
            out[column] = out[column].astype(object)
    return out[list(columns)]
