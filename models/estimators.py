"""The two Cairn estimators as scikit-learn Pipelines (checked columns + LightGBM)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier, LGBMRegressor
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline

# Types the skops serializer may load back for these pipelines (MLflow's safe default format).
TRUSTED_TYPES: list[str] = [
    "collections.OrderedDict",
    "collections.defaultdict",
    "lightgbm.basic.Booster",
    "lightgbm.sklearn.LGBMRegressor",
    "lightgbm.sklearn.LGBMClassifier",
    "models.estimators.ColumnChecker",
]

READINESS_PARAMS: dict[str, Any] = {
    "n_estimators": 300,
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_child_samples": 40,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
    "n_jobs": 1,
}
INJURY_PARAMS: dict[str, Any] = {
    "n_estimators": 200,
    "learning_rate": 0.03,
    "num_leaves": 15,
    "min_child_samples": 100,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 5.0,
    "n_jobs": 1,
}


class ColumnChecker(TransformerMixin, BaseEstimator):
    """Select the feature columns in a fixed order and return a float array.

    Accepts a DataFrame (columns checked by name) or a 2-D array already in that order.
    """

    def __init__(self, columns: Sequence[str] = ()) -> None:
        self.columns = columns

    def fit(self, X: pd.DataFrame | np.ndarray, y: Any = None) -> ColumnChecker:  # noqa: N803
        if not self.columns:
            raise ValueError("ColumnChecker needs a non-empty list of columns")
        self.n_features_in_ = len(self.columns)
        self.feature_names_out_ = np.asarray(self.columns, dtype=object)
        return self

    def transform(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:  # noqa: N803
        if isinstance(X, pd.DataFrame):
            missing = [c for c in self.columns if c not in X.columns]
            if missing:
                raise ValueError(f"feature frame is missing columns: {', '.join(missing)}")
            return X[list(self.columns)].to_numpy(dtype=float)
        array = np.asarray(X, dtype=float)
        if array.ndim != 2 or array.shape[1] != len(self.columns):
            raise ValueError(f"expected a 2-D array with {len(self.columns)} feature columns")
        return array

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(self.columns, dtype=object)


def make_readiness_model(
    columns: Sequence[str], *, random_state: int = 0, params: dict[str, Any] | None = None
) -> Pipeline:
    """Next-day readiness regressor (0-100)."""
    kwargs = {**READINESS_PARAMS, **(params or {})}
    model = LGBMRegressor(random_state=random_state, verbose=-1, **kwargs)
    return Pipeline([("columns", ColumnChecker(tuple(columns))), ("model", model)])


def make_injury_model(
    columns: Sequence[str], *, random_state: int = 0, params: dict[str, Any] | None = None
) -> Pipeline:
    """Injury-within-7-days classifier (probability 0-1)."""
    kwargs = {**INJURY_PARAMS, **(params or {})}
    model = LGBMClassifier(random_state=random_state, verbose=-1, **kwargs)
    return Pipeline([("columns", ColumnChecker(tuple(columns))), ("model", model)])


def set_single_thread(pipeline: Pipeline) -> Pipeline:
    """Make LightGBM predict on one thread (servers run one prediction per request)."""
    pipeline.named_steps["model"].set_params(n_jobs=1)
    return pipeline
