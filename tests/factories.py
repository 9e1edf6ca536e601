"""Builders for small, explicit test data."""

from __future__ import annotations

import numpy as np
import pandas as pd


def make_sessions(rows: list[dict]) -> pd.DataFrame:
    """Sessions frame from partial rows (athlete 1, run, no distance unless given)."""
    defaults = {
        "athlete_id": 1,
        "kind": "run",
        "type": "easy_trail",
        "rpe": np.nan,
        "distance_km": np.nan,
        "elevation_gain_m": np.nan,
        "elevation_loss_m": np.nan,
        "avg_hr": np.nan,
        "source": "test",
        "start_time": pd.NaT,
    }
    frame = pd.DataFrame([{**defaults, **r} for r in rows])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["external_id"] = [f"t{i}" for i in range(len(frame))]
    return frame


def make_wellness(rows: list[dict]) -> pd.DataFrame:
    """Wellness frame from partial rows (athlete 1)."""
    defaults = {"athlete_id": 1, "pain": False, "illness": False}
    frame = pd.DataFrame([{**defaults, **r} for r in rows])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def make_injuries(rows: list[dict]) -> pd.DataFrame:
    """Injuries frame from partial rows (athlete 1, knee, minor, open)."""
    defaults = {"athlete_id": 1, "body_part": "knee", "severity": "minor", "end_date": pd.NaT}
    frame = (
        pd.DataFrame([{**defaults, **r} for r in rows])
        if rows
        else pd.DataFrame(columns=["athlete_id", "start_date", "end_date", "body_part", "severity"])
    )
    frame["start_date"] = pd.to_datetime(frame["start_date"])
    frame["end_date"] = pd.to_datetime(frame["end_date"])
    return frame


def make_training_log(
    *, days: int = 28, athlete_id: int = 1, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A plausible log: runs and lifts on a weekly pattern, daily check-ins."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2025-01-01", periods=days, freq="D")
    pattern = {
        0: ("run", "easy_trail", 50, 4),
        1: ("strength", "strength_lower", 45, 6),
        3: ("run", "tempo", 45, 7),
        4: ("strength", "strength_full", 45, 5),
        5: ("run", "long_trail", 100, 5),
    }
    sessions = [
        {"athlete_id": athlete_id, "date": d, "kind": k, "type": t, "duration_min": m, "rpe": r}
        for d in dates
        if (p := pattern.get(d.day_of_week))
        for k, t, m, r in [p]
    ]
    wellness = [
        {
            "athlete_id": athlete_id,
            "date": d,
            "sleep_h": float(rng.normal(7.3, 0.6)),
            "sleep_quality": 3,
            "soreness": 2,
            "fatigue": 2,
            "mood": 4,
            "stress": 2,
            "readiness": float(rng.integers(5, 9)),
        }
        for d in dates
    ]
    return make_sessions(sessions), make_wellness(wellness), make_injuries([])
