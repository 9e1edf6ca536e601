"""Scoring many athletes' mornings at once (the nightly batch): pure, engine-agnostic.

The local engine calls these on chunks of athletes read from the feature store, the Spark
engine on buckets of athletes inside ``groupBy(...).applyInPandas``: the same functions, so
both give the same numbers. Each athlete's morning row is their daily row of ``day`` with the
day's sessions taken out (``pipelines.feature_rows.morning_row``), as serving reads it; every
catalogue candidate is scored by the champions (readiness tomorrow, injury risk in 7 days).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from engine.coach.scoring import ModelSet, candidate_feature_matrix, predict_candidates
from engine.optimizer.catalogue import Candidate, enumerate_candidates
from pipelines.feature_rows import morning_row
from pipelines.features import extend_daily_features

SCORE_COLUMNS = ("athlete_id", "type", "duration_min", "readiness", "injury_risk")


def batch_candidates() -> list[Candidate]:
    """The candidates scored for every athlete (the whole catalogue at every duration)."""
    return enumerate_candidates()


def day_rows(
    rows: pd.DataFrame,
    *,
    day: dt.date,
    sessions: pd.DataFrame,
    wellness: pd.DataFrame,
    injuries: pd.DataFrame,
    athletes: pd.DataFrame | None = None,
    sets: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each athlete's daily row of ``day``: the stored row when there is one, else the rows
    continued past their last log up to ``day`` (``extend_daily_features``, in memory).

    Args:
        rows: Daily rows (at least the last ``LOOKBACK_DAYS + 1`` of each athlete up to
            ``day``); athletes whose rows start after ``day`` are skipped.
        day: The morning to score.
        sessions, wellness, injuries, athletes, sets: The athletes' logs (from
            ``day - LOOKBACK_DAYS - 1`` on is enough), as for ``build_daily_features``.
    """
    stamp = pd.Timestamp(day)
    rows = rows[rows["date"] <= stamp]
    have = rows[rows["date"] == stamp]
    last = rows.groupby("athlete_id")["date"].max()
    behind = last.index[last < stamp]
    if len(behind) == 0:
        return have.sort_values("athlete_id").reset_index(drop=True)

    def mine(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["athlete_id"].isin(behind)]

    extended = extend_daily_features(
        rows[rows["athlete_id"].isin(behind)],
        mine(sessions),
        mine(wellness),
        mine(injuries),
        until=day,
        athletes=athletes,
        sets=None if sets is None else mine(sets),
    )
    extended = extended[extended["date"] == stamp][list(rows.columns)]
    out = pd.concat([have, extended], ignore_index=True)
    return out.sort_values("athlete_id", kind="stable").reset_index(drop=True)


def score_mornings(rows: pd.DataFrame, *, day: dt.date, models: ModelSet) -> pd.DataFrame:
    """Each athlete's candidates scored on the morning of ``day`` (``SCORE_COLUMNS``).

    Args:
        rows: Daily feature rows (``day_rows``) of any athletes; athletes without a row on
            ``day`` are skipped.
        day: The morning to score.
        models: The champions (rule-based predictions when unavailable).
    """
    candidates = batch_candidates()
    today = rows[rows["date"] == pd.Timestamp(day)].sort_values("athlete_id")
    if today.empty:
        return pd.DataFrame({c: [] for c in SCORE_COLUMNS})
    bases = [morning_row(today.iloc[[i]]) for i in range(len(today))]
    if models.available:
        matrix = np.vstack([candidate_feature_matrix(b, candidates) for b in bases])
        readiness, risk = predict_candidates(bases[0], candidates, models, matrix=matrix)
    else:
        parts = [predict_candidates(b, candidates, models) for b in bases]
        readiness = np.concatenate([p[0] for p in parts])
        risk = np.concatenate([p[1] for p in parts])
    n = len(candidates)
    return pd.DataFrame(
        {
            "athlete_id": np.repeat(today["athlete_id"].to_numpy(np.int64), n),
            "type": [c.type for c in candidates] * len(bases),
            "duration_min": [float(c.duration_min) for c in candidates] * len(bases),
            "readiness": np.asarray(readiness, dtype=float),
            "injury_risk": np.asarray(risk, dtype=float),
        }
    )
