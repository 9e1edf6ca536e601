"""The daily readiness feature table: one row per athlete-day, with next-day labels.

Day ``t``'s row holds that morning's check-in and the training done on day ``t``; the labels
are the readiness on the morning of ``t + 1`` and an injury onset within ``t + 1 .. t + 7``.
Feature values on day ``t`` never read anything after day ``t``, and an athlete's rows depend
on that athlete's logs only. The catalogue with units and formulas is ``docs/features.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipelines.athletes import athlete_profiles, profile_rows, static_features
from pipelines.candidates import apply_candidate_sessions, candidate_matrix
from pipelines.columns import FEATURE_COLUMNS, LABEL_COLUMNS, LOOKBACK_DAYS
from pipelines.injuries import INJURY_HORIZON_DAYS, injury_columns
from pipelines.loads import (
    ADDITIVE_COLUMNS,
    day_counter_columns,
    derived_load_columns,
    load_state_columns,
    session_components,
    strength_tonnage,
    sum_by_day,
)
from pipelines.panel import Panel
from pipelines.schemas import (
    INJURY_COLUMNS,
    SESSION_COLUMNS,
    SET_COLUMNS,
    WELLNESS_COLUMNS,
    conform,
)
from pipelines.wellness import readiness_score, wellness_columns

__all__ = [
    "FEATURE_COLUMNS",
    "INJURY_HORIZON_DAYS",
    "LABEL_COLUMNS",
    "LOOKBACK_DAYS",
    "apply_candidate_sessions",
    "build_daily_features",
    "candidate_matrix",
    "extend_daily_features",
]

_CHECKIN_COLUMNS = [c for c in WELLNESS_COLUMNS if c not in ("athlete_id", "date")]


def build_daily_features(
    sessions: pd.DataFrame,
    wellness: pd.DataFrame,
    injuries: pd.DataFrame,
    *,
    until: dt.date | None = None,
    athlete_ids: Sequence[int] | None = None,
    athletes: pd.DataFrame | None = None,
    sets: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Build the daily feature table with labels for one or many athletes.

    Args:
        sessions: Sessions (``SESSION_COLUMNS``).
        wellness: Check-ins (``WELLNESS_COLUMNS``), at most one per athlete-day.
        injuries: Injuries (``INJURY_COLUMNS``).
        until: Last day of the table (default: each athlete's last log).
        athlete_ids: Athletes that get rows even without logs (needs ``until``).
        athletes: Optional static attributes (``ATHLETE_COLUMNS``): age, sex, experience and
            the max/resting HR that TRIMP needs (defaults apply without them).
        sets: Optional strength sets (``SET_COLUMNS``) for the tonnage; 0 kg without them.

    Returns:
        One row per athlete-day, sorted by athlete and date, with ``FEATURE_COLUMNS``,
        ``LABEL_COLUMNS``, ``injured``, the raw check-in and the load state columns that
        candidate scoring updates.
    """
    sessions, wellness, injuries, sets = _conform_logs(sessions, wellness, injuries, sets)
    bounds = _grid_bounds(sessions, wellness, until=until, athlete_ids=athlete_ids)
    return _build(sessions, wellness, injuries, bounds, athletes=athletes, sets=sets)


def extend_daily_features(
    previous: pd.DataFrame,
    sessions: pd.DataFrame,
    wellness: pd.DataFrame,
    injuries: pd.DataFrame,
    *,
    until: dt.date,
    athletes: pd.DataFrame | None = None,
    sets: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """New rows after each athlete's last row in ``previous`` up to ``until`` (incremental).

    Only the last ``LOOKBACK_DAYS`` of logs before the new days are read, and the recursive
    state (EWMAs, day counters) continues from ``previous``; the new rows equal those of a full
    rebuild. Athletes absent from ``previous`` are built from their first log.

    Args:
        previous: Rows of ``build_daily_features`` (at least the last ``LOOKBACK_DAYS + 1``
            days of each athlete, or all of them).
        sessions, wellness, injuries, athletes, sets: As for ``build_daily_features``; logs
            may be limited to the athletes to update and to ``until - LOOKBACK_DAYS - k`` on.
        until: Last day to build.

    Note:
        Labels of the last days in ``previous`` (``readiness_next``, ``injury_7d``) may change
        once the new days are known; they are rebuilt with the next training table.
    """
    sessions, wellness, injuries, sets = _conform_logs(sessions, wellness, injuries, sets)
    last = previous.groupby("athlete_id")["date"].agg(["min", "max"])
    ids = sorted(set(sessions["athlete_id"]) | set(wellness["athlete_id"]) | set(last.index))
    bounds = _grid_bounds(sessions, wellness, until=until, athlete_ids=ids)
    known = bounds.index.intersection(last.index)
    lookback = pd.Timedelta(days=LOOKBACK_DAYS)
    first = np.maximum(
        last.loc[known, "max"] + pd.Timedelta(days=1) - lookback, last.loc[known, "min"]
    )
    bounds.loc[known, "first"] = first
    seeds = previous.set_index(["athlete_id", "date"])
    seed_keys = pd.MultiIndex.from_arrays([bounds.index, bounds["first"] - pd.Timedelta(days=1)])
    initial = seeds.reindex(seed_keys).reset_index(drop=True)
    built = _build(
        sessions, wellness, injuries, bounds, athletes=athletes, sets=sets, initial=initial
    )
    cut = built["athlete_id"].map(last["max"]).fillna(pd.Timestamp.min)
    return built[built["date"] > cut].reset_index(drop=True)


def _conform_logs(
    sessions: pd.DataFrame,
    wellness: pd.DataFrame,
    injuries: pd.DataFrame,
    sets: pd.DataFrame | None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    return (
        conform(sessions, SESSION_COLUMNS, name="sessions"),
        conform(wellness, WELLNESS_COLUMNS, name="wellness"),
        conform(injuries, INJURY_COLUMNS, name="injuries"),
        None if sets is None else conform(sets, SET_COLUMNS, name="sets"),
    )


def _grid_bounds(
    sessions: pd.DataFrame,
    wellness: pd.DataFrame,
    *,
    until: dt.date | None,
    athlete_ids: Sequence[int] | None,
) -> pd.DataFrame:
    """First and last day of each athlete's rows (``first``, ``last``), indexed by athlete."""
    dates = pd.concat(
        [sessions[["athlete_id", "date"]], wellness[["athlete_id", "date"]]], ignore_index=True
    )
    bounds = dates.groupby("athlete_id")["date"].agg(first="min", last="max")
    if until is not None:
        end = pd.Timestamp(until)
        extra = pd.Index(list(athlete_ids or []), dtype="int64").difference(bounds.index)
        bounds = pd.concat([bounds, pd.DataFrame({"first": end, "last": end}, index=extra)])
        bounds["last"] = end
    bounds.index = bounds.index.astype("int64")
    return bounds[bounds["first"] <= bounds["last"]].sort_index()


class _Grid:
    """Row positions of athlete-days in the grid described by ``bounds``."""

    def __init__(self, bounds: pd.DataFrame) -> None:
        self.first = bounds["first"].to_numpy().astype("datetime64[D]")
        self.lengths = (bounds["last"].to_numpy().astype("datetime64[D]") - self.first).astype(
            np.int64
        ) + 1
        self.starts = np.concatenate([[0], np.cumsum(self.lengths)[:-1]]).astype(np.int64)
        self.lookup = pd.Series(np.arange(len(bounds)), index=bounds.index)
        self.ids = bounds.index.to_numpy(np.int64)
        self.n_rows = int(self.lengths.sum())

    def frame(self) -> pd.DataFrame:
        group = np.repeat(np.arange(len(self.ids)), self.lengths)
        pos = np.arange(self.n_rows) - self.starts[group]
        dates = self.first[group] + pos.astype("timedelta64[D]")
        return pd.DataFrame({"athlete_id": self.ids[group], "date": dates.astype("datetime64[ns]")})

    def rows(self, frame: pd.DataFrame, date_column: str = "date") -> tuple[np.ndarray, np.ndarray]:
        """Grid row of each record and whether it falls inside the grid."""
        g = self.lookup.reindex(frame["athlete_id"].to_numpy()).to_numpy()
        known = ~np.isnan(g)
        g = np.where(known, g, 0).astype(np.int64)
        days = frame[date_column].to_numpy().astype("datetime64[D]") - self.first[g]
        days = days.astype(np.int64)
        inside = known & (days >= 0) & (days < self.lengths[g])
        return self.starts[g] + days, inside


def _place(
    grid: _Grid, cols: dict[str, np.ndarray], source: pd.DataFrame, names: Sequence[str]
) -> None:
    """Write ``source`` records into the grid columns ``cols[name]`` (records outside dropped)."""
    rows, inside = grid.rows(source)
    for name in names:
        cols[name][rows[inside]] = source[name].to_numpy()[inside]


def _view(cols: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame(cols, copy=False)


def _build(
    sessions: pd.DataFrame,
    wellness: pd.DataFrame,
    injuries: pd.DataFrame,
    bounds: pd.DataFrame,
    *,
    athletes: pd.DataFrame | None,
    sets: pd.DataFrame | None,
    initial: pd.DataFrame | None = None,
) -> pd.DataFrame:
    grid = _Grid(bounds)
    cols: dict[str, np.ndarray] = {c: v.to_numpy() for c, v in grid.frame().items()}
    panel = Panel.from_ids(cols["athlete_id"])
    profiles = athlete_profiles(athletes)
    static = static_features(profile_rows(profiles, cols["athlete_id"]), pd.Series(cols["date"]))
    cols |= {c: v.to_numpy() for c, v in static.items()}
    n = grid.n_rows
    cols |= {c: np.zeros(n) for c in ADDITIVE_COLUMNS} | {"rpe_max": np.full(n, np.nan)}
    _place(grid, cols, _session_totals(sessions, profiles, sets), [*ADDITIVE_COLUMNS, "rpe_max"])
    for step in (load_state_columns, day_counter_columns):
        cols |= {c: v.to_numpy() for c, v in step(_view(cols), panel, initial=initial).items()}
    checkins = wellness.assign(readiness_today=readiness_score(wellness))
    for name in [*_CHECKIN_COLUMNS, "readiness_today"]:
        # pain / illness are 0/1 floats (False on days without a check-in): numeric model input
        cols[name] = np.zeros(n) if name in ("pain", "illness") else np.full(n, np.nan)
    checkins = checkins.astype({"pain": float, "illness": float})
    _place(grid, cols, checkins, [*_CHECKIN_COLUMNS, "readiness_today"])
    cols |= {c: v.to_numpy() for c, v in wellness_columns(_view(cols), panel).items()}
    cols |= {c: v.to_numpy() for c, v in injury_columns(_view(cols), panel, injuries).items()}
    cols["readiness_next"] = panel.shift(cols["readiness_today"], -1)
    cols["weekday"] = pd.DatetimeIndex(cols["date"]).day_of_week.to_numpy(float)
    cols |= {c: v.to_numpy() for c, v in derived_load_columns(_view(cols)).items()}
    return _view(cols)


def _session_totals(
    sessions: pd.DataFrame, profiles: pd.DataFrame, sets: pd.DataFrame | None
) -> pd.DataFrame:
    profile = profile_rows(profiles, sessions["athlete_id"])
    static = static_features(profile, sessions["date"])
    components = session_components(
        sessions,
        hr_max=static["hr_max_used"].to_numpy(),
        hr_rest=static["hr_rest_used"].to_numpy(),
        female=static["sex_female"].to_numpy(),
        tonnage_kg=strength_tonnage(sessions, sets),
    )
    return sum_by_day(sessions, components)
