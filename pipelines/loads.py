"""Training-load features: loads by modality, fitness/fatigue, acute:chronic ratios, monotony.

Session-RPE load (Foster 2001) is RPE (CR-10) x duration in minutes, in arbitrary units (AU),
and is the common currency across running and lifting. Daily frames have one row per
athlete-day, sorted by athlete and date with no gaps (see ``pipelines.panel``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from pipelines.athletes import banister_trimp
from pipelines.panel import Panel
from pipelines.sessions import DEFAULT_RPE_BY_KIND, HARD_RPE, SESSION_TYPES

# Fitness-fatigue (Banister, TrainingPeaks convention): x_t = x_{t-1} + (load_t - x_{t-1}) / tau.
ALPHA_FATIGUE = 1.0 / 7.0  # ATL, "fatigue"
ALPHA_FITNESS = 1.0 / 42.0  # CTL, "fitness"
# EWMA acute:chronic ratio (Williams et al. 2017): lambda = 2 / (N + 1).
LAMBDA_ACUTE = 2.0 / (7 + 1)
LAMBDA_CHRONIC = 2.0 / (28 + 1)
CHRONIC_FLOOR_AU = 50.0  # chronic daily load below this is treated as this, so ratios stay finite
HARD_CAP_DAYS = 28.0  # days_since_hard saturates here
CLIMB_M_PER_KM = 100.0  # grade-adjusted distance: 100 m of climb counts as 1 flat km

# RPE assumed when a session has none (watch imports): by session type, else by kind.
DEFAULT_RPE_BY_TYPE = {t: k.rpe for t, k in SESSION_TYPES.items() if t != "rest"}

# Per athlete-day sums of the sessions of that day.
ADDITIVE_COLUMNS = (
    "load_run",
    "load_strength",
    "load_other",
    "load_total",
    "duration_total_min",
    "run_km",
    "gad_km",
    "climb_m",
    "descent_m",
    "trimp",
    "tonnage_kg",
    "n_sessions",
)
# Recursive state: (column, smoothing factor); all are EWMAs of load_total.
EWMA_STATE = (
    ("atl", ALPHA_FATIGUE),
    ("ctl", ALPHA_FITNESS),
    ("ewma_acute", LAMBDA_ACUTE),
    ("ewma_chronic", LAMBDA_CHRONIC),
)
# Rolling sums up to and including today: (column, source, days).
ROLLING_SUMS = (
    ("load_7d", "load_total", 7),
    ("load_sq_7d", "load_sq", 7),
    ("load_28d", "load_total", 28),
    ("climb_7d", "climb_m", 7),
    ("descent_7d", "descent_m", 7),
    ("gad_7d", "gad_km", 7),
    ("load_strength_7d", "load_strength", 7),
    ("load_run_7d", "load_run", 7),
    ("trimp_7d", "trimp", 7),
    ("tonnage_7d", "tonnage_kg", 7),
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


def strength_tonnage(sessions: pd.DataFrame, sets: pd.DataFrame | None) -> np.ndarray:
    """Tonnage of each session in kg: the sum over its sets of reps x load_kg.

    Sets link to sessions by ``athlete_id`` and ``session_external_id`` = ``external_id``.
    Bodyweight sets (no load_kg) and sessions without sets count 0.
    """
    if sets is None or sets.empty or sessions.empty:
        return np.zeros(len(sessions))
    work = (sets["reps"].astype(float) * sets["load_kg"].astype(float)).fillna(0.0)
    per_session = work.groupby(
        [sets["athlete_id"].astype("int64"), sets["session_external_id"].astype(str)]
    ).sum()
    keys = pd.MultiIndex.from_arrays(
        [sessions["athlete_id"].astype("int64"), sessions["external_id"].astype(str)]
    )
    return per_session.reindex(keys).fillna(0.0).to_numpy(float)


def session_components(
    sessions: pd.DataFrame,
    *,
    hr_max: np.ndarray,
    hr_rest: np.ndarray,
    female: np.ndarray,
    tonnage_kg: np.ndarray,
) -> pd.DataFrame:
    """Each session's contribution to ``ADDITIVE_COLUMNS`` plus ``rpe_max`` (its RPE).

    ``gad_km`` (grade-adjusted distance) = run km + run climb / 100 m; ``trimp`` is Banister's
    TRIMP from the session's average HR (0 without HR); ``tonnage_kg`` is given per session.
    """
    s = session_loads(sessions)
    parts = component_arrays(
        kind=s["kind"].astype(str).to_numpy(),
        rpe_used=s["rpe_used"].to_numpy(float),
        duration_min=s["duration_min"].to_numpy(float),
        distance_km=s["distance_km"].to_numpy(float),
        climb_m=s["elevation_gain_m"].to_numpy(float),
        descent_m=s["elevation_loss_m"].to_numpy(float),
        avg_hr=s["avg_hr"].to_numpy(float),
        hr_max=hr_max,
        hr_rest=hr_rest,
        female=female,
        tonnage_kg=tonnage_kg,
    )
    return pd.DataFrame(parts, index=sessions.index)


def component_arrays(
    *,
    kind: np.ndarray,
    rpe_used: np.ndarray,
    duration_min: np.ndarray,
    distance_km: np.ndarray,
    climb_m: np.ndarray,
    descent_m: np.ndarray,
    avg_hr: np.ndarray,
    hr_max: np.ndarray,
    hr_rest: np.ndarray,
    female: np.ndarray,
    tonnage_kg: np.ndarray,
) -> dict[str, np.ndarray]:
    """``session_components`` on plain arrays (one entry per session; NaN distances count 0)."""
    is_run = kind == "run"
    km = np.nan_to_num(distance_km)
    climb = np.nan_to_num(climb_m)
    load = rpe_used * duration_min
    trimp = banister_trimp(
        duration_min=duration_min, avg_hr=avg_hr, hr_max=hr_max, hr_rest=hr_rest, female=female
    )
    return {
        "load_run": np.where(is_run, load, 0.0),
        "load_strength": np.where(kind == "strength", load, 0.0),
        "load_other": np.where((kind == "cross") | (kind == "mobility"), load, 0.0),
        "load_total": load,
        "duration_total_min": duration_min,
        "run_km": np.where(is_run, km, 0.0),
        "gad_km": np.where(is_run, km + climb / CLIMB_M_PER_KM, 0.0),
        "climb_m": climb,
        "descent_m": np.nan_to_num(descent_m),
        "trimp": trimp,
        "tonnage_kg": np.asarray(tonnage_kg, dtype=float),
        "n_sessions": np.ones(len(kind)),
        "rpe_max": rpe_used,
    }


def default_rpe(kind: str, session_type: str) -> float:
    """The RPE assumed for a session without one (by type, else by kind, else 4)."""
    return DEFAULT_RPE_BY_TYPE.get(session_type, DEFAULT_RPE_BY_KIND.get(kind, 4.0))


def sum_by_day(sessions: pd.DataFrame, components: pd.DataFrame) -> pd.DataFrame:
    """Per athlete-day totals of ``session_components`` (``rpe_max`` is the day's max)."""
    frame = components.assign(
        athlete_id=sessions["athlete_id"].astype("int64").to_numpy(),
        date=sessions["date"].to_numpy(),
    )
    grouped = frame.groupby(["athlete_id", "date"], sort=True)
    totals = grouped[list(ADDITIVE_COLUMNS)].sum()
    totals["rpe_max"] = grouped["rpe_max"].max()
    return totals.reset_index()


def load_state_columns(
    daily: pd.DataFrame, panel: Panel, *, initial: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The recursive (EWMA) and rolling load state columns of ``daily`` (new columns only).

    Args:
        daily: One row per athlete-day with ``ADDITIVE_COLUMNS``, laid out as ``panel``.
        panel: The block layout of ``daily``.
        initial: Optional state of the day before each athlete's first row (one row per
            athlete block, in block order, with the ``EWMA_STATE`` columns); zero otherwise.
    """
    out: dict[str, np.ndarray] = {}
    load = daily["load_total"].to_numpy(float)
    for column, alpha in EWMA_STATE:
        seed = None if initial is None else initial[column].fillna(0.0).to_numpy(float)
        out[column] = panel.ewma(load, alpha, initial=seed)
    sources = {c: daily[c].to_numpy(float) for c in ADDITIVE_COLUMNS} | {"load_sq": load**2}
    for name, source, window in ROLLING_SUMS:
        out[name] = panel.rolling_sum(sources[source], window)
    out["load_prev_7d"] = panel.shift(out["load_7d"], 7, fill=0.0)
    return pd.DataFrame(out, copy=False)


def derived_load_columns(state: pd.DataFrame) -> pd.DataFrame:
    """Ratios derived from the state columns; used in training and for candidate sessions alike.

    Returns: ``tsb`` (form = fitness - fatigue, AU), ``acwr_ewma`` and ``acwr_rolling`` (ratios),
    ``monotony`` (7-day mean / SD of daily load; 0 without load, the cap 10 for a constant
    non-zero load), ``strain`` (7-day load x monotony, AU), ``ramp`` (7-day load change vs
    the previous 7 days, fraction) and ``train_streak`` (consecutive training days up to
    and including today).
    """
    return pd.DataFrame(derive_load_arrays(state), copy=False)


def derive_load_arrays(state: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """``derived_load_columns`` on a mapping of column name -> array (the fast path)."""
    col = {c: np.asarray(state[c], dtype=float) for c in _DERIVE_INPUTS}
    out: dict[str, np.ndarray] = {"tsb": col["ctl"] - col["atl"]}
    out["acwr_ewma"] = col["ewma_acute"] / np.maximum(col["ewma_chronic"], CHRONIC_FLOOR_AU)
    chronic_daily = np.maximum(col["load_28d"] / 28.0, CHRONIC_FLOOR_AU)
    out["acwr_rolling"] = (col["load_7d"] / 7.0) / chronic_daily
    mean7 = col["load_7d"] / 7.0
    sd7 = np.sqrt(np.maximum(col["load_sq_7d"] - 7.0 * mean7**2, 0.0) / 6.0)
    flat = sd7 <= 1e-6 * np.maximum(mean7, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(flat, np.where(mean7 > 1e-9, 10.0, 0.0), mean7 / sd7)
    out["monotony"] = np.clip(ratio, 0.0, 10.0)
    out["strain"] = col["load_7d"] * out["monotony"]
    prev = col["load_prev_7d"]
    out["ramp"] = (col["load_7d"] - prev) / np.maximum(prev, 100.0)
    out["train_streak"] = np.where(col["load_total"] > 0, col["days_since_rest"] + 1.0, 0.0)
    return out


_DERIVE_INPUTS = (
    "atl",
    "ctl",
    "ewma_acute",
    "ewma_chronic",
    "load_7d",
    "load_28d",
    "load_sq_7d",
    "load_prev_7d",
    "load_total",
    "days_since_rest",
)


def day_counter_columns(
    daily: pd.DataFrame, panel: Panel, *, initial: pd.DataFrame | None = None
) -> pd.DataFrame:
    """``days_since_rest`` and ``days_since_hard`` (capped at 28), both before today.

    ``days_since_rest`` counts the consecutive training days that end yesterday;
    ``days_since_hard`` the days since the last session at RPE >= 7 before today.
    ``initial`` (optional, one row per athlete block) is the feature row of the day before
    each athlete's first row, so a table built from a recent window continues the counters.
    """
    trained = daily["load_total"].to_numpy(float) > 0
    hard = np.nan_to_num(daily["rpe_max"].to_numpy(float)) >= HARD_RPE
    streak0, hard0 = _counter_seeds(initial, panel.n_groups)
    pos = panel.pos.astype(float)
    last_rest = panel.last_true_before(~trained, default=-1.0 - streak0)
    last_hard = panel.last_true_before(hard, default=-hard0)
    return pd.DataFrame(
        {
            "days_since_rest": pos - 1.0 - last_rest,
            "days_since_hard": np.minimum(pos - last_hard, HARD_CAP_DAYS),
        }
    )


def _counter_seeds(initial: pd.DataFrame | None, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Training streak and days since hard, as of the first day of each block."""
    if initial is None:
        return np.zeros(n_groups), np.full(n_groups, HARD_CAP_DAYS)
    trained = initial["load_total"].fillna(0.0).to_numpy(float) > 0
    since_rest = initial["days_since_rest"].to_numpy(float)
    streak = np.where(trained, since_rest + 1.0, 0.0)
    was_hard = np.nan_to_num(initial["rpe_max"].to_numpy(float)) >= HARD_RPE
    since_hard = np.minimum(initial["days_since_hard"].to_numpy(float) + 1.0, HARD_CAP_DAYS)
    hard = np.where(was_hard, 1.0, since_hard)
    known = ~np.isnan(since_rest)
    return np.where(known, streak, 0.0), np.where(known, hard, HARD_CAP_DAYS)
