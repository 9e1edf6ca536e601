"""Scoring many athletes' mornings at once (the nightly batch): pure, engine-agnostic.

The local engine calls ``score_mornings`` on chunks of athletes, the Spark engine on one
athlete per group (``groupBy("athlete_id").applyInPandas``): the same function, so both give
the same numbers. Each athlete's morning row is their stored row of ``day`` with the day's
sessions taken out (``pipelines.feature_rows.morning_row``), as serving reads it; every
catalogue candidate is scored by the champions (readiness tomorrow, injury risk in 7 days).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from engine.coach.scoring import ModelSet, candidate_feature_matrix, predict_candidates
from engine.optimizer.catalogue import Candidate, enumerate_candidates
from pipelines.feature_rows import morning_row

SCORE_COLUMNS = ("athlete_id", "type", "duration_min", "readiness", "injury_risk")


def batch_candidates() -> list[Candidate]:
    """The candidates scored for every athlete (the whole catalogue at every duration)."""
    return enumerate_candidates()


def score_mornings(rows: pd.DataFrame, *, day: dt.date, models: ModelSet) -> pd.DataFrame:
    """Each athlete's candidates scored on the morning of ``day`` (``SCORE_COLUMNS``).

    Args:
        rows: Daily feature rows (``build_daily_features`` or the store) of any athletes;
            athletes without a row on ``day`` are skipped.
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
