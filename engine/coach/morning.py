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

from engine.coach.deload import deload_limits
from engine.coach.exercises import unmapped
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
from engine.coach.red_flags import read_red_flags
from engine.coach.scoring import candidate_feature_matrix
from engine.coach.start import (
    break_return_limits,
    continuous_anchor,
    on_break,
    prior_weekly_au,
    seed_base_row,
    seed_loads,
    session_dates,
)
from engine.optimizer.catalogue import Candidate
from engine.optimizer.choose import AthleteContext
from engine.optimizer.limits import merge_limits

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
        unmapped_exercises: Logged exercise names that are no catalogue exercise (each is
            tracked as its own lift; listed once in the plan).
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
    unmapped_exercises: tuple[str, ...] = ()
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
    """The first day of the athlete's current run of continuous training (no break of 4
    weeks or more), else the creation day, else ``today`` (``engine.coach.start``)."""
    return continuous_anchor(session_dates(history.sessions), created=history.created, today=today)


def dated_sets(history: AthleteHistory) -> pd.DataFrame | None:
    """The logged strength sets with their session's date."""
    if history.sets is None or history.sets.empty or history.sessions.empty:
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
    history: AthleteHistory, *, today: dt.date, features: pd.DataFrame | None = None
) -> Morning:
    """Build this morning's state (features, context, block, reassessment, strength levels).

    ``features``: the daily rows up to this morning's (the feature store's), else built here
    from ``history`` (``today_features``).
    """
    if features is None:
        features = today_features(history, today=today)
    flags = read_red_flags(wellness=history.wellness, injuries=history.injuries, today=today)
    anchor = history_anchor(history, today=today)
    block = block_on(anchor=anchor, today=today)
    experience = _profile_value(history, "experience_years")
    plain = build_context(history, features, today=today)
    deload = deload_limits(
        anchor=anchor, today=today, availability_min=plain.availability_min, recent=plain.recent
    )
    dates = session_dates(history.sessions)
    prior = prior_weekly_au(
        experience_years=experience,
        availability_min=plain.availability_min,
        returning=on_break(dates, today=today),
    )
    seeded = seed_loads(plain.daily_load, prior_weekly=prior)
    base_row = features.tail(1).reset_index(drop=True)
    signals = dict(plain.signals)
    if len(seeded) > len(plain.daily_load):  # a new athlete: the models see the prior past too
        base_row = seed_base_row(base_row, loads=seeded)
        signals.update(
            acwr_ewma=float(base_row["acwr_ewma"].iloc[0]),
            load_7d=float(base_row["load_7d"].iloc[0]),
            load_28d_weekly_avg=float(base_row["load_28d"].iloc[0]) / 4.0,
            # the load figures are partly assumed: the reasons say so instead of citing them
            assumed_weekly_au=7.0 * seeded[0],
        )
    context = replace(
        plain,
        daily_load=seeded,
        signals=signals,
        open_injury=flags.stops_running,
        pain=flags.pain,
        illness=flags.illness,
        limits=merge_limits(
            flags.limits,
            deload,
            break_return_limits(dates, today=today),
        ),
    )
    table = session_table(dated_sets(history))
    last_block = block.starts - dt.timedelta(days=28)
    changes = (
        level_changes(None, since=last_block, until=block.starts, table=table)
        if block.index
        else []
    )
    birth = _profile_value(history, "birth_year")
    volume, reassessment = volume_plan(features, anchor=anchor, today=today)
    if reassessment is not None and changes:
        reassessment = replace(reassessment, changes=[*reassessment.changes, *changes])
    return Morning(
        athlete_id=history.athlete_id,
        today=today,
        anchor=anchor,
        base_row=base_row,
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
        unmapped_exercises=tuple(unmapped(table["exercise"])) if len(table) else (),
    )
