"""This morning's state of one athlete: the slow, cacheable part of the coach's day.

Pure. ``prepare_morning`` builds the feature table from the logs, the optimizer's load context,
the block and its volume plan and reassessment, and the strength levels. The API caches it per
athlete, day and log fingerprint (``engine.services.morning_cache``);
``engine.coach.coach`` does the rest.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from engine.coach.history import AthleteHistory, build_context, today_features
from engine.coach.periodisation import Block, VolumePlan, block_on
from engine.coach.prescription import HeartProfile
from engine.coach.progression import (
    ExerciseLevel,
    exercise_levels,
    level_changes,
    session_table,
    window_start,
)
from engine.coach.reassessment import Reassessment, volume_plan
from engine.coach.scoring import candidate_feature_matrix
from engine.optimizer.catalogue import Candidate
from engine.optimizer.choose import AthleteContext

NOVICE_YEARS = 1.0  # less experience than this: no explosive or downhill work


@dataclass(frozen=True)
class Morning:
    """One athlete's state on ``today`` before training (the cacheable part of the day).

    Attributes:
        athlete_id: The athlete.
        today: The day.
        anchor: Block anchor (first logged day, else creation day, else today).
        base_row: Today's feature row (one row, logs before today + today's check-in).
        daily: The feature table's daily rows up to today (for reassessments and summaries).
        context: The optimizer's context without locks.
        block: Today's block.
        reassessment: The reassessment at the start of this block (None in block 0).
        volume: The block's weekly load targets.
        levels: Strength levels before the current progression window.
        heart: Heart-rate bounds for the zones.
        novice: Under a year of training (no explosive or downhill work).
        done_min: Minutes logged per day over the last week (for missed sessions).
        answers: Answers computed from this morning, by their other inputs (a caller's memo:
            the same logs, locks, models and rules always give the same answer).
    """

    athlete_id: int
    today: dt.date
    anchor: dt.date
    base_row: pd.DataFrame
    daily: pd.DataFrame
    context: AthleteContext
    block: Block
    reassessment: Reassessment | None
    volume: VolumePlan
    levels: Mapping[str, ExerciseLevel]
    heart: HeartProfile
    novice: bool
    done_min: Mapping[dt.date, float] = field(default_factory=dict)
    _rows: dict[Candidate, np.ndarray] = field(default_factory=dict, compare=False, repr=False)
    answers: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def signals(self) -> Mapping[str, float]:
        return self.context.signals

    def candidate_rows(self, candidates: list[Candidate]) -> np.ndarray:
        """Model input rows for today plus each candidate (built once per morning and kept)."""
        missing = [c for c in dict.fromkeys(candidates) if c not in self._rows]
        if missing:
            built = candidate_feature_matrix(self.base_row, missing)
            self._rows.update(zip(missing, built, strict=True))
        return np.vstack([self._rows[c] for c in candidates])


def history_anchor(history: AthleteHistory, *, today: dt.date) -> dt.date:
    """The athlete's first logged day, else the creation day, else ``today``."""
    firsts = [
        frame["date"].min()
        for frame in (history.sessions, history.wellness)
        if frame is not None and len(frame)
    ]
    if firsts:
        return min(pd.Timestamp(d) for d in firsts).date()
    return history.created or today


def dated_sets(history: AthleteHistory) -> pd.DataFrame | None:
    """The logged strength sets with their session's date."""
    if history.sets is None or history.sets.empty:
        return None
    if "date" in history.sets:  # already dated (read with their session's day)
        return history.sets
    if history.sessions.empty:
        return None
    dates = history.sessions.set_index("external_id")["date"]
    dates = dates[~dates.index.duplicated()]
    sets = history.sets.assign(date=history.sets["session_external_id"].map(dates))
    return sets[sets["date"].notna()]


def _profile_value(history: AthleteHistory, column: str) -> float:
    if history.athlete is None or column not in history.athlete:
        return math.nan
    value = history.athlete[column].iloc[0]
    return math.nan if value is None or pd.isna(value) else float(value)


def _done_minutes(history: AthleteHistory, *, today: dt.date) -> dict[dt.date, float]:
    start = pd.Timestamp(today) - pd.Timedelta(days=7)
    s = history.sessions
    recent = s[(s["date"] >= start) & (s["date"] < pd.Timestamp(today))]
    minutes = recent.groupby(recent["date"].dt.date)["duration_min"].sum()
    return {d: float(m) for d, m in minutes.items()}


def prepare_morning(
    history: AthleteHistory,
    *,
    today: dt.date,
    features: pd.DataFrame | None = None,
    anchor: dt.date | None = None,
) -> Morning:
    """Build this morning's state (features, context, block, reassessment, strength levels).

    ``features``: the daily feature rows up to this morning's row (from the feature store),
    built from the logs when None; ``anchor``: the first logged day when known (then
    ``history`` needs only the last 28 days of sessions and dated sets).
    """
    if features is None:
        features = today_features(history, today=today)
    context = build_context(history, features, today=today)
    anchor = history_anchor(history, today=today) if anchor is None else anchor
    block = block_on(anchor=anchor, today=today)
    table = session_table(dated_sets(history))
    last_block = block.starts - dt.timedelta(days=28)
    changes = (
        level_changes(None, since=last_block, until=block.starts, table=table)
        if block.index
        else []
    )
    birth = _profile_value(history, "birth_year")
    experience = _profile_value(history, "experience_years")
    volume, reassessment = volume_plan(features, anchor=anchor, today=today)
    if reassessment is not None and changes:
        reassessment = replace(reassessment, changes=[*reassessment.changes, *changes])
    return Morning(
        athlete_id=history.athlete_id,
        today=today,
        anchor=anchor,
        base_row=features.tail(1).reset_index(drop=True),
        daily=features,
        context=context,
        block=block,
        reassessment=reassessment,
        volume=volume,
        levels=exercise_levels(None, before=window_start(block, today), table=table),
        heart=HeartProfile(
            max_hr=_profile_value(history, "max_hr"),
            resting_hr=_profile_value(history, "resting_hr"),
            age_years=today.year - birth if math.isfinite(birth) else math.nan,
        ),
        novice=math.isfinite(experience) and experience < NOVICE_YEARS,
        done_min=_done_minutes(history, today=today),
    )
