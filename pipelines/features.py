"""The daily readiness feature table: one row per athlete-day, with next-day labels.

Day ``t``'s row holds that morning's check-in and the training done on day ``t``; the labels
are the readiness on the morning of ``t + 1`` and an injury onset within ``t + 1 .. t + 7``.
Feature values on day ``t`` never read anything after day ``t``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipelines.loads import (
    ADDITIVE_COLUMNS,
    ALPHA_FATIGUE,
    ALPHA_FITNESS,
    LAMBDA_ACUTE,
    LAMBDA_CHRONIC,
    add_day_counters,
    add_load_state,
    daily_session_totals,
    derive_load_features,
)
from pipelines.schemas import INJURY_COLUMNS, SESSION_COLUMNS, WELLNESS_COLUMNS, conform
from pipelines.wellness import add_wellness_baselines, readiness_score

INJURY_HORIZON_DAYS = 7

FEATURE_COLUMNS: tuple[str, ...] = (
    "load_run",
    "load_strength",
    "load_other",
    "load_total",
    "duration_total_min",
    "rpe_max",
    "run_km",
    "climb_m",
    "descent_m",
    "atl",
    "ctl",
    "tsb",
    "acwr_ewma",
    "acwr_rolling",
    "load_7d",
    "load_28d",
    "monotony",
    "strain",
    "ramp",
    "climb_7d",
    "descent_7d",
    "load_strength_7d",
    "load_run_7d",
    "days_since_rest",
    "days_since_hard",
    "days_since_injury",
    "readiness_today",
    "readiness_score_base",
    "sleep_h",
    "sleep_quality",
    "soreness",
    "fatigue",
    "mood",
    "stress",
    "sleep_h_z",
    "sleep_quality_z",
    "soreness_z",
    "fatigue_z",
    "mood_z",
    "stress_z",
    "resting_hr_z",
    "hrv_ln_z",
    "sleep_debt_7d_h",
    "checkin_missing",
)
LABEL_COLUMNS = ("readiness_next", "injury_7d")


def _daily_grid(
    sessions: pd.DataFrame,
    wellness: pd.DataFrame,
    *,
    until: dt.date | None,
    athlete_ids: Sequence[int] | None,
) -> pd.DataFrame:
    """One row per athlete-day from the athlete's first log to ``until`` (or the last log).

    Athletes in ``athlete_ids`` without any log get a single row for ``until``.
    """
    dates = pd.concat(
        [sessions[["athlete_id", "date"]], wellness[["athlete_id", "date"]]], ignore_index=True
    )
    bounds = dates.groupby("athlete_id")["date"].agg(["min", "max"])
    if until is not None:
        bounds["max"] = pd.Timestamp(until)
        for aid in athlete_ids or ():
            if aid not in bounds.index:
                bounds.loc[aid] = [pd.Timestamp(until), pd.Timestamp(until)]
    pieces = [
        pd.DataFrame({"athlete_id": aid, "date": pd.date_range(lo, hi, freq="D")})
        for aid, lo, hi in bounds.itertuples()
        if lo <= hi
    ]
    if not pieces:
        return pd.DataFrame(
            {"athlete_id": pd.Series(dtype="int64"), "date": pd.Series(dtype="datetime64[ns]")}
        )
    grid = pd.concat(pieces, ignore_index=True)
    grid["date"] = grid["date"].astype("datetime64[ns]")
    return grid


def _injury_columns(grid: pd.DataFrame, injuries: pd.DataFrame) -> pd.DataFrame:
    """Add ``injured`` (an injury is open that day), ``days_since_injury`` and ``injury_7d``."""
    out = grid.copy()
    out["injured"] = 0.0
    out["injury_7d"] = 0.0
    out["days_since_injury"] = 365.0
    for aid, group in injuries.groupby("athlete_id"):
        mask = (out["athlete_id"] == aid).to_numpy()
        days = out.loc[mask, "date"].to_numpy()
        starts = group["start_date"].to_numpy()
        ends = group["end_date"].fillna(pd.Timestamp.max.normalize()).to_numpy()
        delta = (starts[None, :] - days[:, None]) / np.timedelta64(1, "D")
        onset = ((delta >= 1) & (delta <= INJURY_HORIZON_DAYS)).any(axis=1)
        open_ = ((starts[None, :] <= days[:, None]) & (ends[None, :] >= days[:, None])).any(axis=1)
        since = np.where(delta <= 0, -delta, np.inf).min(axis=1)
        out.loc[mask, "injury_7d"] = onset.astype(float)
        out.loc[mask, "injured"] = open_.astype(float)
        out.loc[mask, "days_since_injury"] = np.minimum(since, 365.0)
    return out


def build_daily_features(
    sessions: pd.DataFrame,
    wellness: pd.DataFrame,
    injuries: pd.DataFrame,
    *,
    until: dt.date | None = None,
    athlete_ids: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Build the daily feature table with labels for one or many athletes.

    Args:
        sessions: Sessions (``SESSION_COLUMNS``).
        wellness: Check-ins (``WELLNESS_COLUMNS``), at most one per athlete-day.
        injuries: Injuries (``INJURY_COLUMNS``).
        until: Last day of the table (default: each athlete's last log).
        athlete_ids: Athletes that get rows even without logs (needs ``until``).

    Returns:
        One row per athlete-day with ``FEATURE_COLUMNS``, ``LABEL_COLUMNS``, ``injured``,
        ``pain``, ``illness`` and the load state columns that candidate scoring updates.
    """
    sessions = conform(sessions, SESSION_COLUMNS, name="sessions")
    wellness = conform(wellness, WELLNESS_COLUMNS, name="wellness")
    injuries = conform(injuries, INJURY_COLUMNS, name="injuries")
    grid = _daily_grid(sessions, wellness, until=until, athlete_ids=athlete_ids)
    totals = daily_session_totals(sessions)
    daily = grid.merge(totals, on=["athlete_id", "date"], how="left")
    daily[list(ADDITIVE_COLUMNS)] = daily[list(ADDITIVE_COLUMNS)].fillna(0.0)
    daily = add_day_counters(add_load_state(daily))
    checkins = wellness.assign(readiness_today=readiness_score(wellness))
    daily = daily.merge(checkins, on=["athlete_id", "date"], how="left")
    daily["pain"] = daily["pain"].astype("boolean").fillna(False).astype(bool)
    daily["illness"] = daily["illness"].astype("boolean").fillna(False).astype(bool)
    daily = add_wellness_baselines(daily)
    daily = _injury_columns(daily, injuries)
    daily["readiness_next"] = daily.groupby("athlete_id", sort=False)["readiness_today"].shift(-1)
    return derive_load_features(daily).reset_index(drop=True)


def apply_candidate_sessions(base_row: pd.DataFrame, candidates: pd.DataFrame) -> pd.DataFrame:
    """Feature rows for today if each candidate session were done on top of today's base row.

    ``base_row`` is the single row of ``build_daily_features`` for today (built from the logs
    without the candidate). ``candidates`` has ``kind``, ``type``, ``duration_min``, ``rpe``,
    ``distance_km``, ``elevation_gain_m``, ``elevation_loss_m`` (kind ``rest`` adds nothing).
    The recursive and rolling state is updated exactly as if the session had been logged.
    """
    if len(base_row) != 1:
        raise ValueError(f"base_row must have exactly one row, got {len(base_row)}")
    n = len(candidates)
    rows = pd.concat([base_row] * n, ignore_index=True)
    active = candidates[candidates["kind"] != "rest"].assign(
        athlete_id=0,
        date=pd.Timestamp("2000-01-01"),
        source="candidate",
        external_id="c",
        start_time=pd.NaT,
        avg_hr=np.nan,
    )
    delta = pd.DataFrame(0.0, index=range(n), columns=[*ADDITIVE_COLUMNS, "rpe_max"])
    if len(active):
        active = active.assign(date=pd.date_range("2000-01-01", periods=len(active)))
        totals = daily_session_totals(conform(active, SESSION_COLUMNS, name="candidates"))
        delta.loc[np.flatnonzero(candidates["kind"].to_numpy() != "rest")] = totals[
            [*ADDITIVE_COLUMNS, "rpe_max"]
        ].to_numpy()
    return _add_delta(rows, delta)


def _add_delta(rows: pd.DataFrame, delta: pd.DataFrame) -> pd.DataFrame:
    """Update additive, recursive and rolling load state by a per-row extra day load."""
    out = rows.copy()
    extra = delta["load_total"].to_numpy()
    before_sq = out["load_total"].to_numpy() ** 2
    for column in ADDITIVE_COLUMNS:
        out[column] = out[column].to_numpy() + delta[column].to_numpy()
    out["rpe_max"] = np.fmax(out["rpe_max"].to_numpy(), delta["rpe_max"].replace(0, np.nan))
    for column, weight in (
        ("atl", ALPHA_FATIGUE),
        ("ctl", ALPHA_FITNESS),
        ("ewma_acute", LAMBDA_ACUTE),
        ("ewma_chronic", LAMBDA_CHRONIC),
    ):
        out[column] = out[column].to_numpy() + weight * extra
    for column, source in (
        ("load_7d", "load_total"),
        ("load_28d", "load_total"),
        ("climb_7d", "climb_m"),
        ("descent_7d", "descent_m"),
        ("load_strength_7d", "load_strength"),
        ("load_run_7d", "load_run"),
    ):
        out[column] = out[column].to_numpy() + delta[source].to_numpy()
    out["load_sq_7d"] = out["load_sq_7d"].to_numpy() + out["load_total"].to_numpy() ** 2 - before_sq
    return derive_load_features(out)
