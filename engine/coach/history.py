"""One athlete's history as the coach reads it: logs -> daily features -> the optimizer's context.

Pure. ``engine.services.recommendation`` reads the logs from the store into an ``AthleteHistory``;
``engine.coach.morning`` turns it into this morning's state with the functions here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import pandas as pd

from engine.optimizer.choose import AthleteContext, PastSession
from pipelines.features import build_daily_features
from pipelines.loads import session_loads
from pipelines.sessions import grade_intensity

HISTORY_DAYS = 90
Week = tuple[int, int, int, int, int, int, int]  # minutes available, Monday to Sunday


@dataclass(frozen=True)
class AthleteHistory:
    """What the engine needs about one athlete, already read from the store."""

    athlete_id: int
    availability_min: Sequence[int]
    sessions: pd.DataFrame
    wellness: pd.DataFrame
    injuries: pd.DataFrame
    athlete: pd.DataFrame | None = None  # ATHLETE_COLUMNS row (age, sex, HR bounds for TRIMP)
    sets: pd.DataFrame | None = None  # strength sets (SET_COLUMNS) for the tonnage
    created: dt.date | None = None  # creation day: the block anchor when nothing is logged


def today_features(history: AthleteHistory, *, today: dt.date) -> pd.DataFrame:
    """The athlete's daily feature table up to and including ``today`` (before training)."""
    start = pd.Timestamp(today) - pd.Timedelta(days=HISTORY_DAYS * 4)
    sessions = history.sessions[
        (history.sessions["date"] >= start) & (history.sessions["date"] < pd.Timestamp(today))
    ]
    wellness = history.wellness[
        (history.wellness["date"] >= start) & (history.wellness["date"] <= pd.Timestamp(today))
    ]
    return build_daily_features(
        sessions,
        wellness,
        history.injuries,
        until=today,
        athlete_ids=[history.athlete_id],
        athletes=history.athlete,
        sets=history.sets,
    )


def past_sessions(sessions: pd.DataFrame, *, today: dt.date) -> tuple[PastSession, ...]:
    start = pd.Timestamp(today) - pd.Timedelta(days=28)
    recent = sessions[(sessions["date"] >= start) & (sessions["date"] < pd.Timestamp(today))]
    if recent.empty:
        return ()
    loads = session_loads(recent)
    out = []
    for row in loads.itertuples():
        out.append(
            PastSession(
                date=row.date.date(),
                type=str(row.type),
                kind=str(row.kind),
                intensity=grade_intensity(row.rpe_used),
                duration_min=float(row.duration_min),
                load_au=float(row.load_au),
            )
        )
    return tuple(out)


def build_signals(features: pd.DataFrame) -> dict[str, float]:
    """The athlete's own numbers that reasons, adaptation and prescriptions cite (the one
    builder of ``AthleteContext.signals``): today's row against the 28 days before it."""
    today = features.iloc[-1]
    past = features.iloc[-29:-1]
    return {
        "sleep_h": float(today["sleep_h"]),
        "sleep_h_avg": float(past["sleep_h"].mean()) if len(past) else float("nan"),
        "soreness": float(today["soreness"]),
        "soreness_avg": float(past["soreness"].mean()) if len(past) else float("nan"),
        "readiness_self": float(today["readiness"]),
        "acwr_ewma": float(today["acwr_ewma"]),
        "load_7d": float(today["load_7d"]),
        "load_28d_weekly_avg": float(today["load_28d"]) / 4.0,
        "days_since_rest": float(today["days_since_rest"]),
        "sleep_quality": float(today["sleep_quality"]),
    }


def build_context(
    history: AthleteHistory, features: pd.DataFrame, *, today: dt.date
) -> AthleteContext:
    """Everything the optimizer needs to know about the athlete this morning."""
    row = features.iloc[-1]
    before = features[features["date"] < pd.Timestamp(today)]
    return AthleteContext(
        today=today,
        availability_min=cast(Week, tuple(int(m) for m in history.availability_min)),
        daily_load=tuple(before["load_total"].to_numpy(float)[-HISTORY_DAYS:]),
        recent=past_sessions(history.sessions, today=today),
        open_injury=bool(row["injured"]),
        illness=bool(row["illness"]),
        pain=bool(row["pain"]),
        signals=build_signals(features),
    )
