"""Training-load features: session-RPE loads, fitness/fatigue, acute:chronic ratios, monotony.

All loads are session-RPE loads (Foster 2001): RPE (CR-10) x duration in minutes, in
arbitrary units (AU). Daily frames have one row per athlete-day, sorted by athlete and date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.signal import lfilter

# Fitness-fatigue (Banister, TrainingPeaks convention): x_t = x_{t-1} + (load_t - x_{t-1}) / tau.
ALPHA_FATIGUE = 1.0 / 7.0  # ATL, "fatigue"
ALPHA_FITNESS = 1.0 / 42.0  # CTL, "fitness"
# EWMA acute:chronic ratio (Williams et al. 2017): lambda = 2 / (N + 1).
LAMBDA_ACUTE = 2.0 / (7 + 1)
LAMBDA_CHRONIC = 2.0 / (28 + 1)
CHRONIC_FLOOR_AU = 50.0  # chronic daily load below this is treated as this, so ratios stay finite
HARD_RPE = 7.0  # a session at RPE >= 7 counts as hard

# RPE assumed when a session has none (watch imports): by session type, else by kind.
DEFAULT_RPE_BY_TYPE = {
    "recovery_jog": 2.5,
    "easy_trail": 4.0,
    "long_trail": 5.0,
    "hills": 7.5,
    "tempo": 7.0,
    "fartlek": 7.0,
    "downhill": 7.0,
    "strength_lower": 6.0,
    "strength_full": 5.5,
    "strength_explosive": 7.0,
    "easy_spin": 3.0,
    "walk": 2.0,
    "mobility": 1.5,
}
DEFAULT_RPE_BY_KIND = {"run": 4.5, "strength": 5.5, "cross": 3.0, "mobility": 1.5}

ADDITIVE_COLUMNS = (
    "load_run",
    "load_strength",
    "load_other",
    "load_total",
    "duration_total_min",
    "run_km",
    "climb_m",
    "descent_m",
    "n_sessions",
)


def session_loads(sessions: pd.DataFrame) -> pd.DataFrame:
    """Add ``rpe_used`` and ``load_au`` (RPE x minutes) to a sessions frame.

    A missing RPE is replaced by the typical RPE of the session type (``DEFAULT_RPE_BY_TYPE``).
    """
    out = sessions.copy()
    by_type = out["type"].map(DEFAULT_RPE_BY_TYPE)
    by_kind = out["kind"].map(DEFAULT_RPE_BY_KIND).fillna(4.0)
    out["rpe_used"] = out["rpe"].fillna(by_type).fillna(by_kind).astype(float)
    out["load_au"] = out["rpe_used"] * out["duration_min"].astype(float)
    return out


def daily_session_totals(sessions: pd.DataFrame) -> pd.DataFrame:
    """Sum sessions into per athlete-day totals (loads by modality, km, climb, descent)."""
    s = session_loads(sessions)
    kind = s["kind"].astype(str)
    frame = pd.DataFrame(
        {
            "athlete_id": s["athlete_id"].astype("int64"),
            "date": s["date"],
            "load_run": np.where(kind == "run", s["load_au"], 0.0),
            "load_strength": np.where(kind == "strength", s["load_au"], 0.0),
            "load_other": np.where(kind.isin(["cross", "mobility"]), s["load_au"], 0.0),
            "load_total": s["load_au"],
            "duration_total_min": s["duration_min"].astype(float),
            "run_km": np.where(kind == "run", s["distance_km"].fillna(0.0), 0.0),
            "climb_m": s["elevation_gain_m"].fillna(0.0),
            "descent_m": s["elevation_loss_m"].fillna(0.0),
            "n_sessions": 1.0,
            "rpe_max": s["rpe_used"],
        }
    )
    grouped = frame.groupby(["athlete_id", "date"], sort=True)
    totals = grouped[list(ADDITIVE_COLUMNS)].sum()
    totals["rpe_max"] = grouped["rpe_max"].max()
    return totals.reset_index()


def _ewma(values: np.ndarray, alpha: float) -> np.ndarray:
    """x_t = x_{t-1} + alpha (v_t - x_{t-1}), starting from zero."""
    return lfilter([alpha], [1.0, -(1.0 - alpha)], values)


def _per_athlete(frame: pd.DataFrame, column: str, func) -> np.ndarray:  # noqa: ANN001
    out = np.empty(len(frame))
    for idx in frame.groupby("athlete_id", sort=False).indices.values():
        out[idx] = func(frame[column].to_numpy(float)[idx])
    return out


def _rolling_sum(frame: pd.DataFrame, column: str, window: int) -> pd.Series:
    rolled = frame.groupby("athlete_id", sort=False)[column].rolling(window, min_periods=1).sum()
    return rolled.reset_index(level=0, drop=True)


def add_load_state(daily: pd.DataFrame) -> pd.DataFrame:
    """Add the recursive and rolling load state columns (need the full history).

    Expects one row per athlete-day with no gaps, sorted by athlete and date.
    """
    out = daily.copy()
    out["atl"] = _per_athlete(out, "load_total", lambda v: _ewma(v, ALPHA_FATIGUE))
    out["ctl"] = _per_athlete(out, "load_total", lambda v: _ewma(v, ALPHA_FITNESS))
    out["ewma_acute"] = _per_athlete(out, "load_total", lambda v: _ewma(v, LAMBDA_ACUTE))
    out["ewma_chronic"] = _per_athlete(out, "load_total", lambda v: _ewma(v, LAMBDA_CHRONIC))
    out["load_sq"] = out["load_total"] ** 2
    for column, window, name in (
        ("load_total", 7, "load_7d"),
        ("load_sq", 7, "load_sq_7d"),
        ("load_total", 28, "load_28d"),
        ("climb_m", 7, "climb_7d"),
        ("descent_m", 7, "descent_7d"),
        ("load_strength", 7, "load_strength_7d"),
        ("load_run", 7, "load_run_7d"),
    ):
        out[name] = _rolling_sum(out, column, window).to_numpy()
    out["load_prev_7d"] = out.groupby("athlete_id", sort=False)["load_7d"].shift(7).fillna(0.0)
    return out.drop(columns=["load_sq"])


def derive_load_features(state: pd.DataFrame) -> pd.DataFrame:
    """Derive ratios from the state columns; used in training and for candidate sessions alike.

    Adds: ``tsb`` (form = fitness - fatigue, AU), ``acwr_ewma`` and ``acwr_rolling`` (ratios),
    ``monotony`` (7-day mean / SD of daily load), ``strain`` (7-day load x monotony, AU),
    ``ramp`` (7-day load change vs the previous 7 days, fraction).
    """
    out = state.copy()
    out["tsb"] = out["ctl"] - out["atl"]
    out["acwr_ewma"] = out["ewma_acute"] / np.maximum(out["ewma_chronic"], CHRONIC_FLOOR_AU)
    chronic_daily = np.maximum(out["load_28d"] / 28.0, CHRONIC_FLOOR_AU)
    out["acwr_rolling"] = (out["load_7d"] / 7.0) / chronic_daily
    mean7 = out["load_7d"] / 7.0
    var7 = np.maximum(out["load_sq_7d"] - out["load_7d"] ** 2 / 7.0, 0.0) / 6.0
    sd7 = np.sqrt(var7)
    out["monotony"] = np.where(sd7 > 1e-9, mean7 / np.maximum(sd7, 1e-9), 0.0).clip(0, 10)
    out["strain"] = out["load_7d"] * out["monotony"]
    out["ramp"] = (out["load_7d"] - out["load_prev_7d"]) / np.maximum(out["load_prev_7d"], 100.0)
    return out


def add_day_counters(daily: pd.DataFrame) -> pd.DataFrame:
    """Add days since the last rest day and since the last hard session, before today."""
    out = daily.copy()
    trained = (out["load_total"] > 0).to_numpy()
    hard = (out["rpe_max"].fillna(0) >= HARD_RPE).to_numpy()
    since_rest = np.zeros(len(out))
    since_hard = np.zeros(len(out))
    for idx in out.groupby("athlete_id", sort=False).indices.values():
        run_rest, run_hard = 0.0, 28.0
        for i in idx:
            since_rest[i], since_hard[i] = run_rest, run_hard
            run_rest = run_rest + 1 if trained[i] else 0.0
            run_hard = 1.0 if hard[i] else min(run_hard + 1, 28.0)
    out["days_since_rest"] = since_rest
    out["days_since_hard"] = since_hard
    return out
