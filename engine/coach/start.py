"""A sound start and a stable calendar: the new athlete's prior load, and the block anchor.

Pure. A new athlete's first weeks come from the profile (experience, availability) and
whatever recent history exists: while fewer than ``CHRONIC_DAYS`` days are known, the days
before the first one count at a prior daily load (the profile's, or the known days' mean when
higher), so a few back-filled days never make an acute spike against an empty past. The block
calendar is anchored to the athlete's current run of continuous training, so an old import
(a 2012 run) does not move it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from engine.optimizer.limits import DayLimit
from pipelines.loads import EWMA_STATE, derive_load_arrays

CHRONIC_DAYS = 28
# Usual weekly load (session-RPE AU) by years of training: under 1, 1-3, 3 and more.
PRIOR_WEEKLY_AU = ((1.0, 700.0), (3.0, 1200.0), (math.inf, 1800.0))
UNKNOWN_EXPERIENCE_AU = 900.0
# At most this share of the available minutes at an easy-moderate RPE.
AVAILABLE_SHARE = 0.6
PRIOR_RPE = 4.5
BREAK_DAYS = 28  # no session for this long ends a run of continuous training
# Back after a break (or with nothing logged yet): no hard session until the current run of
# training is this many days old, whatever the profile says (a 4-year athlete who stopped
# 5 years ago is not fit for downhill repeats on day one).
RETURN_NO_HARD_DAYS = 14
PLAN_DAYS = 7


def prior_weekly_au(
    *, experience_years: float, availability_min: Sequence[int], returning: bool = False
) -> float:
    """The profile's usual weekly load (AU): by experience, within the available minutes.

    ``returning`` (back after a break of ``BREAK_DAYS`` or more): a beginner's load, whatever
    the experience. Fitness fades within weeks of stopping; years of training show in how the
    athlete progresses, not in where a return starts.
    """
    if returning:
        usual = PRIOR_WEEKLY_AU[0][1]
    elif math.isfinite(experience_years):
        usual = next(au for top, au in PRIOR_WEEKLY_AU if experience_years < top)
    else:
        usual = UNKNOWN_EXPERIENCE_AU
    return min(usual, AVAILABLE_SHARE * PRIOR_RPE * float(sum(availability_min)))


def seed_loads(daily_load: Sequence[float], *, prior_weekly: float) -> tuple[float, ...]:
    """``daily_load`` (oldest first) with the unknown days before it, up to ``CHRONIC_DAYS``,
    at the prior daily load (the profile's, or the known days' mean when higher)."""
    known = np.asarray(daily_load, dtype=float)
    missing = CHRONIC_DAYS - len(known)
    if missing <= 0:
        return tuple(float(x) for x in known)
    mean = float(known.mean()) if len(known) else 0.0
    prior = max(prior_weekly / 7.0, mean)
    return (prior,) * missing + tuple(float(x) for x in known)


def continuous_anchor(
    session_dates: Sequence[dt.date], *, created: dt.date | None, today: dt.date
) -> dt.date:
    """The first day of the athlete's current run of continuous training.

    Sessions before today count; a break of ``BREAK_DAYS`` or more without one starts a new
    run. After a break that lasts until today the run starts today (as the return-after-a-break
    limits say): a return begins with the first week of a block, not in the middle of a
    calendar counted from the old logs. Without sessions: the creation day, else today.
    """
    days = sorted({d for d in session_dates if d < today})
    if not days:
        return created or today
    if (today - days[-1]).days > BREAK_DAYS:
        return today
    start = days[0]
    for before, after in zip(days, days[1:], strict=False):
        if (after - before).days > BREAK_DAYS:
            start = after
    return start


def session_dates(sessions: pd.DataFrame) -> list[dt.date]:
    """The distinct days with a logged session."""
    if sessions is None or sessions.empty:
        return []
    return [
        pd.Timestamp(d).date() for d in pd.to_datetime(sessions["date"]).dt.normalize().unique()
    ]


def seed_base_row(base_row: pd.DataFrame, *, loads: Sequence[float]) -> pd.DataFrame:
    """Today's feature row with its total-load state (EWMAs, 7/28-day sums and the ratios
    derived from them) recomputed over ``loads`` (the seeded days before today), so the models
    see the same prior past as the rules. Today's own load (usually 0) is kept."""
    today = float(base_row["load_total"].iloc[0])
    series = np.asarray([*loads, today], dtype=float)
    state: dict[str, float] = {}
    for column, alpha in EWMA_STATE:
        x = 0.0
        for value in series:
            x += alpha * (value - x)
        state[column] = x
    state["load_7d"] = float(series[-7:].sum())
    state["load_28d"] = float(series[-28:].sum())
    state["load_sq_7d"] = float((series[-7:] ** 2).sum())
    state["load_prev_7d"] = float(series[-14:-7].sum())
    row = base_row.copy()
    for column, value in state.items():
        if column in row:
            row[column] = value
    inputs = {
        c: row[c].to_numpy(float) for c in row.columns if pd.api.types.is_numeric_dtype(row[c])
    }
    for column, values in derive_load_arrays(inputs).items():
        if column in row:
            row[column] = values
    return row


def on_break(session_dates: Sequence[dt.date], *, today: dt.date) -> bool:
    """True when sessions were logged before today but none in the last ``BREAK_DAYS`` days."""
    days = [d for d in session_dates if d < today]
    return bool(days) and (today - max(days)).days > BREAK_DAYS


def break_return_limits(
    session_dates: Sequence[dt.date], *, today: dt.date
) -> dict[dt.date, tuple[DayLimit, ...]]:
    """No hard session on the planned days (today and the next 6) that fall within
    ``RETURN_NO_HARD_DAYS`` of the start of the current run of training; after a break that
    lasts until today (or with nothing logged) the run starts today."""
    days = sorted({d for d in session_dates if d < today})
    on_break = not days or (today - days[-1]).days > BREAK_DAYS
    if on_break:
        start = today
        since = (
            f"no session logged since {days[-1].isoformat()}" if days else "no session logged yet"
        )
    else:
        start = days[0]
        for before, after in zip(days, days[1:], strict=False):
            if (after - before).days > BREAK_DAYS:
                start = after
        since = f"training again since {start.isoformat()}"
    until = start + dt.timedelta(days=RETURN_NO_HARD_DAYS)
    detail = f"{since}: no hard session before {until.isoformat()}"
    limit = DayLimit("break_return", detail, max_intensity="moderate", binds_locks=False)
    planned = (today + dt.timedelta(days=k) for k in range(PLAN_DAYS))
    return {when: (limit,) for when in planned if when < until}
