"""Scoring today's candidates: the served models (or the rule-based fallback) on each candidate.

Pure. Each candidate becomes today's feature row as if it were done today
(``pipelines.features.candidate_matrix``); the models predict next-day readiness and 7-day
injury risk from those rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from engine.optimizer.catalogue import Candidate
from pipelines.features import FEATURE_COLUMNS, apply_candidate_sessions, candidate_matrix


@dataclass(frozen=True)
class ModelSet:
    """The two served models and their registry versions; ``degraded`` when they are missing."""

    readiness: Any | None
    injury: Any | None
    versions: dict[str, int | None] = field(default_factory=dict)
    degraded_reason: str | None = None
    source: str | None = None  # "population" (day-one models) or "own_data"

    @property
    def available(self) -> bool:
        return self.readiness is not None and self.injury is not None


def candidates_frame(candidates: Sequence[Candidate]) -> pd.DataFrame:
    """Candidates as session rows (kind, type, duration, RPE, distance, climb, descent)."""
    return pd.DataFrame(
        {
            "kind": [c.kind for c in candidates],
            "type": [c.type for c in candidates],
            "duration_min": [float(c.duration_min) for c in candidates],
            "rpe": [float(c.target_rpe) for c in candidates],
            "distance_km": [c.distance_km for c in candidates],
            "elevation_gain_m": [c.elevation_gain_m for c in candidates],
            "elevation_loss_m": [c.elevation_loss_m for c in candidates],
        }
    )


def predict_candidates(
    base_row: pd.DataFrame,
    candidates: Sequence[Candidate],
    models: ModelSet,
    *,
    matrix: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Predicted next-day readiness (0-100) and 7-day injury risk (0-1) for each candidate.

    ``matrix`` (optional) is ``candidate_matrix`` of these candidates, already built.
    """
    if models.available:
        if matrix is None:
            matrix = candidate_feature_matrix(base_row, candidates)
        from models.estimators import fast_scorer  # imports LightGBM: only when predicting

        readiness = np.clip(fast_scorer(models.readiness)(matrix), 0, 100)
        risk = fast_scorer(models.injury)(matrix)
        return readiness, risk
    return rule_based_predictions(apply_candidate_sessions(base_row, candidates_frame(candidates)))


def candidate_feature_matrix(base_row: pd.DataFrame, candidates: Sequence[Candidate]) -> np.ndarray:
    """Model input rows (``FEATURE_COLUMNS``) for today's row plus each candidate session."""
    return candidate_matrix(base_row, candidates_frame(candidates), columns=FEATURE_COLUMNS)


def rule_based_predictions(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Transparent fallback when no model can be loaded.

    Readiness: the athlete's recent readiness (or 65) minus 0.04 points per AU of today's load.
    Risk: 2% at an EWMA acute:chronic ratio of 1.0, tripling by 1.5 (logistic), capped at 0.9.
    """
    base = rows["readiness_score_base"].fillna(rows["readiness_today"]).fillna(65.0).to_numpy()
    readiness = np.clip(base - 0.04 * rows["load_total"].to_numpy(), 0, 100)
    acwr = rows["acwr_ewma"].to_numpy()
    odds = 0.02 / 0.98 * np.exp(2.2 * (acwr - 1.0))
    return readiness, np.clip(odds / (1 + odds), 0, 0.9)
