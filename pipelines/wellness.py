"""Wellness features: check-ins against the athlete's own baseline, and the readiness score."""

from __future__ import annotations

import numpy as np
import pandas as pd

BASELINE_DAYS = 28
BASELINE_MIN_PERIODS = 5
Z_ITEMS = ("sleep_h", "sleep_quality", "soreness", "fatigue", "mood", "stress", "resting_hr")
SLEEP_NEED_H = 8.0
Z_CLIP = 4.0

# Composite readiness (0-100) when the athlete gave no self-report: the mean of the available
# items, each mapped to 0-1 where 1 is best.
_COMPOSITE = {
    "sleep_h": lambda x: np.clip(x / SLEEP_NEED_H, 0.0, 1.0),
    "sleep_quality": lambda x: (x - 1.0) / 4.0,
    "mood": lambda x: (x - 1.0) / 4.0,
    "soreness": lambda x: (5.0 - x) / 4.0,
    "fatigue": lambda x: (5.0 - x) / 4.0,
    "stress": lambda x: (5.0 - x) / 4.0,
}


def readiness_score(wellness: pd.DataFrame) -> pd.Series:
    """Readiness of each check-in on a 0-100 scale.

    The athlete's own 0-10 readiness x 10 when reported; otherwise the composite: 100 x the mean
    of sleep_h / 8 h (capped at 1), (sleep_quality - 1) / 4, (mood - 1) / 4, (5 - soreness) / 4,
    (5 - fatigue) / 4 and (5 - stress) / 4 over the items present. NaN when nothing is present.
    """
    parts = pd.DataFrame({name: f(wellness[name].astype(float)) for name, f in _COMPOSITE.items()})
    composite = 100.0 * parts.mean(axis=1, skipna=True)
    return (wellness["readiness"].astype(float) * 10.0).fillna(composite)


def add_wellness_baselines(daily: pd.DataFrame) -> pd.DataFrame:
    """Add z-scores of each wellness item against the previous 28 days of the athlete.

    The baseline window ends yesterday, so today's value never enters its own baseline.
    Adds ``<item>_z`` (clipped to +-4), ``hrv_ln_z``, ``checkin_missing`` (0/1),
    ``sleep_debt_7d_h`` (sum over 7 days of max(0, 8 h - sleep), missing nights count 0)
    and ``readiness_score_base`` (the athlete's 28-day mean readiness score, 0-100).
    """
    out = daily.copy()
    out["hrv_ln"] = np.log(out["hrv_rmssd"].where(out["hrv_rmssd"] > 0))
    grouped = out.groupby("athlete_id", sort=False)
    for item in (*Z_ITEMS, "hrv_ln"):
        past = grouped[item].shift(1)
        roll = past.groupby(out["athlete_id"]).rolling(BASELINE_DAYS, BASELINE_MIN_PERIODS)
        mean = roll.mean().reset_index(level=0, drop=True)
        std = roll.std().reset_index(level=0, drop=True)
        z = (out[item] - mean) / np.maximum(std.fillna(0.0), _min_sd(item))
        out[f"{item}_z"] = z.clip(-Z_CLIP, Z_CLIP)
    out["checkin_missing"] = out["sleep_h"].isna() & out["readiness"].isna()
    out["checkin_missing"] = out["checkin_missing"].astype(float)
    deficit = np.maximum(SLEEP_NEED_H - out["sleep_h"], 0.0).fillna(0.0)
    out["sleep_debt_7d_h"] = (
        deficit.groupby(out["athlete_id"]).rolling(7, min_periods=1).sum().to_numpy()
    )
    base = out.groupby("athlete_id", sort=False)["readiness_today"].shift(1)
    out["readiness_score_base"] = (
        base.groupby(out["athlete_id"])
        .rolling(BASELINE_DAYS, min_periods=1)
        .mean()
        .reset_index(level=0, drop=True)
    )
    return out.drop(columns=["hrv_ln"])


def _min_sd(item: str) -> float:
    """A floor for the baseline SD so a very steady athlete does not get huge z-scores."""
    return {"sleep_h": 0.5, "resting_hr": 2.0, "hrv_ln": 0.05}.get(item, 0.5)
