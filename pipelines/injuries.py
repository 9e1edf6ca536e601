"""Injury state and labels on the daily grid, vectorised over athletes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.panel import Panel

INJURY_HORIZON_DAYS = 7
SINCE_INJURY_CAP_DAYS = 365.0


def injury_columns(daily: pd.DataFrame, panel: Panel, injuries: pd.DataFrame) -> pd.DataFrame:
    """``injured``, ``days_since_injury`` and the label ``injury_7d`` (new columns).

    ``injured`` (0/1): an injury is open that day (start <= day <= end; open-ended while
    ``end_date`` is NaT). ``days_since_injury``: days since the latest injury onset on or
    before the day, capped at 365 (also when there is none). ``injury_7d`` (0/1, the label):
    an injury starts within day + 1 .. day + 7.
    """
    n_groups, width = panel.n_groups, panel.width
    first_rows = np.flatnonzero(panel.pos == 0)
    group_ids = daily["athlete_id"].to_numpy()[first_rows]
    first_day = daily["date"].to_numpy()[first_rows].astype("datetime64[D]")
    lookup = pd.Series(np.arange(n_groups), index=group_ids)
    found = injuries["athlete_id"].isin(lookup.index).to_numpy()
    inj = injuries[found]
    g = lookup.reindex(inj["athlete_id"].to_numpy()).to_numpy(np.int64)
    base = first_day[g]
    start = (inj["start_date"].to_numpy().astype("datetime64[D]") - base).astype(np.int64)
    end_days = inj["end_date"].to_numpy().astype("datetime64[D]") - base
    end = np.where(np.isnat(end_days), width + 1, end_days.astype(np.int64))
    since, upcoming = _onset_distances(g, start, n_groups, width)
    return pd.DataFrame(
        {
            "injured": panel.to_rows(_open_days(g, start, end, n_groups, width)),
            "days_since_injury": np.minimum(panel.to_rows(since), SINCE_INJURY_CAP_DAYS),
            "injury_7d": (panel.to_rows(upcoming) <= INJURY_HORIZON_DAYS).astype(float),
        }
    )


def _open_days(
    g: np.ndarray, start: np.ndarray, end: np.ndarray, n_groups: int, width: int
) -> np.ndarray:
    """(athlete x day) 0/1: some injury interval [start, end] covers the day."""
    diff = np.zeros((n_groups, width + 1))
    lo = np.clip(start, 0, width)
    hi = np.clip(end + 1, 0, width)
    keep = (lo < hi) & (end >= 0) & (start < width)
    np.add.at(diff, (g[keep], lo[keep]), 1.0)
    np.add.at(diff, (g[keep], hi[keep]), -1.0)
    return (np.cumsum(diff, axis=1)[:, :width] > 0).astype(float)


def _onset_distances(
    g: np.ndarray, start: np.ndarray, n_groups: int, width: int
) -> tuple[np.ndarray, np.ndarray]:
    """Days since the latest onset on or before each day, and days to the next onset after it.

    Onsets before the first day or after the last one count too (infinite when none).
    """
    days = np.arange(width, dtype=float)
    latest_before = np.full(n_groups, -np.inf)
    early = start < 0
    np.maximum.at(latest_before, g[early], start[early].astype(float))
    marks = np.full((n_groups, width), -np.inf)
    inside = (start >= 0) & (start < width)
    np.maximum.at(marks, (g[inside], start[inside]), start[inside].astype(float))
    last = np.maximum(np.maximum.accumulate(marks, axis=1), latest_before[:, None])
    since = days[None, :] - last

    span = width + INJURY_HORIZON_DAYS + 1
    later = np.full((n_groups, span), np.inf)
    ahead = (start >= 1) & (start < span)
    np.minimum.at(later, (g[ahead], start[ahead]), start[ahead].astype(float))
    next_incl = np.minimum.accumulate(later[:, ::-1], axis=1)[:, ::-1]
    upcoming = next_incl[:, 1 : width + 1] - days[None, :]
    return since, upcoming
