"""Learning the individual on the population model: a shrunk per-athlete readiness offset.

When the served readiness model is the day-one population model, each athlete's own history
corrects it: the offset is the athlete's mean residual (self-reported next-morning readiness
minus the model's forecast, on their own earlier days) shrunk towards 0 by
``models.personal.shrunk_offset`` (partial pooling with a 14-day prior). A constant offset keeps
every direction guarantee. Measured in docs/evaluation.md (learning curve).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from engine.coach.scoring import ModelSet
from models.estimators import fast_scorer
from models.labels import next_day
from models.personal import shrunk_offset
from pipelines.features import FEATURE_COLUMNS

POPULATION = "population"


class OffsetRegressor:
    """``base`` plus a constant (readiness points, 0-100 scale); predicts on feature arrays."""

    def __init__(self, base: Any, offset: float) -> None:
        self.base, self.offset = base, float(offset)
        self._score = fast_scorer(base)

    def predict(self, X: Any) -> np.ndarray:  # noqa: N803
        if isinstance(X, pd.DataFrame):
            return np.asarray(self.base.predict(X), dtype=float) + self.offset
        return np.asarray(self._score(X), dtype=float) + self.offset


def readiness_offset(model: Any, daily: pd.DataFrame) -> tuple[float, int]:
    """(shrunk offset, days used) from the athlete's daily feature rows up to today."""
    if daily.empty or "readiness" not in daily:
        return 0.0, 0
    label = next_day(daily, "readiness") * 10.0
    rows = daily[np.isfinite(label)]
    if rows.empty:
        return 0.0, 0
    pred = np.clip(model.predict(rows[list(FEATURE_COLUMNS)].astype(float)), 0.0, 100.0)
    residuals = label[np.isfinite(label)] - pred
    return shrunk_offset(residuals), len(residuals)


def personalise(models: ModelSet, daily: pd.DataFrame) -> ModelSet:
    """The model set with the athlete's offset on a population readiness model (else as is)."""
    if not models.available or models.source != POPULATION:
        return models
    offset, n = readiness_offset(models.readiness, daily)
    if n == 0:
        return models
    return replace(models, readiness=OffsetRegressor(models.readiness, offset))
