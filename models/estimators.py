"""The two Cairn estimators as scikit-learn Pipelines (checked columns + LightGBM).

Readiness: ``ColumnChecker`` -> ``ResidualRegressor`` (LightGBM on the residual of the
athlete's own recent readiness, with monotone constraints on the load features).
Injury: ``ColumnChecker`` -> LightGBM classifier, then (``calibrate_classifier``) the fitted
classifier frozen inside a ``CalibratedClassifierCV`` fitted on a later-in-time fold.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier, LGBMModel, LGBMRegressor
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, TransformerMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import Pipeline
from sklearn.utils import get_tags
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

# Types the skops serializer may load back for these pipelines (MLflow's safe default format).
TRUSTED_TYPES: list[str] = [
    "collections.OrderedDict",
    "collections.defaultdict",
    "lightgbm.basic.Booster",
    "lightgbm.sklearn.LGBMRegressor",
    "lightgbm.sklearn.LGBMClassifier",
    "models.estimators.ColumnChecker",
    "models.estimators.ResidualRegressor",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.frozen._frozen.FrozenEstimator",
    "sklearn.isotonic.IsotonicRegression",
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
READINESS_BASELINE = "readiness_ewm"  # the readiness model learns the residual of this column
# More training on the day must not raise predicted readiness: -1 = non-increasing in the
# feature, +1 = non-decreasing (form rises when load falls). Other features are free.
READINESS_MONOTONE: dict[str, int] = {
    **dict.fromkeys(
        (
            "load_run",
            "load_strength",
            "load_other",
            "load_total",
            "duration_total_min",
            "rpe_max",
            "run_km",
            "gad_km",
            "climb_m",
            "descent_m",
            "trimp",
            "tonnage_kg",
            "atl",
            "acwr_ewma",
            "acwr_rolling",
            "load_7d",
            "ramp",
            "climb_7d",
            "descent_7d",
            "gad_7d",
            "load_strength_7d",
            "load_run_7d",
            "trimp_7d",
            "tonnage_7d",
            "train_streak",
        ),
        -1,
    ),
    "tsb": 1,
}


class ColumnChecker(TransformerMixin, BaseEstimator):
    """Select the feature columns in a fixed order and return a float array.

    Accepts a DataFrame (columns picked by name, extra columns ignored) or a 2-D array
    already in that order. NaN is allowed (LightGBM handles it); float32 input stays float32.

    Args:
        columns: Feature names in model order; None keeps every column seen in ``fit``.
    """

    def __init__(self, columns: Sequence[str] | None = None) -> None:
        self.columns = columns

    def fit(self, X: pd.DataFrame | np.ndarray, y: Any = None) -> ColumnChecker:  # noqa: N803
        if self.columns is not None and len(self.columns) == 0:
            raise ValueError("ColumnChecker columns must be None or a non-empty list of names")
        if self.columns is not None and isinstance(X, pd.DataFrame):
            X = self._select(X, list(self.columns))  # noqa: N806
        validate_data(self, X, ensure_all_finite="allow-nan", dtype=[np.float64, np.float32])
        if self.columns is not None:
            if self.n_features_in_ != len(self.columns):
                raise ValueError(f"expected {len(self.columns)} feature columns")
            self.columns_ = tuple(self.columns)
        elif hasattr(self, "feature_names_in_"):
            self.columns_ = tuple(str(c) for c in self.feature_names_in_)
        else:
            self.columns_ = tuple(f"x{i}" for i in range(self.n_features_in_))
        return self

    def transform(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:  # noqa: N803
        check_is_fitted(self)
        if isinstance(X, pd.DataFrame):
            if hasattr(self, "feature_names_in_") or self.columns is not None:
                X = self._select(X, list(self.columns_))  # noqa: N806
            X = X.to_numpy()  # noqa: N806
        array = check_array(X, ensure_all_finite="allow-nan", dtype=[np.float64, np.float32])
        if array.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {array.shape[1]} features, but ColumnChecker is expecting "
                f"{self.n_features_in_} features as input"
            )
        return array

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self)
        return np.asarray(self.columns_, dtype=object)

    def __sklearn_tags__(self):  # noqa: ANN204
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    @staticmethod
    def _select(X: pd.DataFrame, columns: list[str]) -> pd.DataFrame:  # noqa: N803
        missing = [c for c in columns if c not in X.columns]
        if missing:
            raise ValueError(f"feature frame is missing columns: {', '.join(missing)}")
        return X[columns]


class ResidualRegressor(MetaEstimatorMixin, RegressorMixin, BaseEstimator):
    """Predict a baseline column plus a model of what the baseline misses.

    ``fit`` trains ``estimator`` on ``y - X[:, baseline_index]``; ``predict`` returns the
    baseline plus its prediction. Where the baseline is NaN the training-target mean stands in.

    Args:
        estimator: Any regressor (default: a small single-threaded LightGBM).
        baseline_index: Column of X holding the baseline forecast (same units as y).
    """

    def __init__(self, estimator: Any = None, baseline_index: int = 0) -> None:
        self.estimator = estimator
        self.baseline_index = baseline_index

    def fit(self, X: np.ndarray, y: np.ndarray) -> ResidualRegressor:  # noqa: N803
        X, y = validate_data(self, X, y, ensure_all_finite=self._finite(), y_numeric=True)  # noqa: N806
        if not 0 <= self.baseline_index < X.shape[1]:
            raise ValueError(f"baseline_index {self.baseline_index} is outside 0..{X.shape[1] - 1}")
        self.baseline_fill_ = float(np.mean(y))
        inner = self.estimator if self.estimator is not None else _default_regressor()
        self.estimator_ = clone(inner).fit(X, y - self._baseline(X))
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, ensure_all_finite=self._finite())  # noqa: N806
        return self._baseline(X) + self.estimator_.predict(X)

    def _baseline(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        base = np.asarray(X[:, self.baseline_index], dtype=float)
        return np.where(np.isnan(base), self.baseline_fill_, base)

    def _finite(self) -> bool | str:
        return "allow-nan" if self.__sklearn_tags__().input_tags.allow_nan else True

    def __sklearn_tags__(self):  # noqa: ANN204
        tags = super().__sklearn_tags__()
        inner = self.estimator if self.estimator is not None else _default_regressor()
        tags.input_tags.allow_nan = get_tags(inner).input_tags.allow_nan or isinstance(
            inner, LGBMModel
        )
        return tags


def _default_regressor() -> LGBMRegressor:
    return LGBMRegressor(n_estimators=100, n_jobs=1, verbose=-1, random_state=0)


def monotone_constraints(columns: Sequence[str], directions: Mapping[str, int]) -> list[int]:
    """LightGBM's ``monotone_constraints`` list for ``columns`` (0 where unconstrained)."""
    return [int(directions.get(c, 0)) for c in columns]


def make_readiness_model(
    columns: Sequence[str],
    *,
    random_state: int = 0,
    params: dict[str, Any] | None = None,
    baseline: str | None = READINESS_BASELINE,
) -> Pipeline:
    """Next-day readiness regressor (0-100).

    LightGBM, non-increasing in the load features (``READINESS_MONOTONE``). When the
    ``baseline`` column (default ``READINESS_BASELINE``) is among the columns it learns that
    baseline's residual; ``baseline=None`` fits the readiness itself.
    """
    kwargs = {**READINESS_PARAMS, **(params or {})}
    kwargs.setdefault("monotone_constraints", monotone_constraints(columns, READINESS_MONOTONE))
    model: Any = LGBMRegressor(random_state=random_state, verbose=-1, **kwargs)
    if baseline is not None and baseline in columns:
        model = ResidualRegressor(model, baseline_index=list(columns).index(baseline))
    return Pipeline([("columns", ColumnChecker(tuple(columns))), ("model", model)])


def make_injury_model(
    columns: Sequence[str], *, random_state: int = 0, params: dict[str, Any] | None = None
) -> Pipeline:
    """Injury-within-7-days classifier (probability 0-1), before calibration."""
    kwargs = {**INJURY_PARAMS, **(params or {})}
    model = LGBMClassifier(random_state=random_state, verbose=-1, **kwargs)
    return Pipeline([("columns", ColumnChecker(tuple(columns))), ("model", model)])


def calibrate_classifier(
    fitted: Pipeline,
    X_cal: pd.DataFrame,
    y_cal: np.ndarray,
    *,
    method: str = "isotonic",  # noqa: N803
) -> Pipeline:
    """Calibrate a fitted classifier pipeline on a later fold; returns a new Pipeline.

    The fitted classifier is frozen (not refitted) and wrapped in ``CalibratedClassifierCV``
    with ``method`` "isotonic" or "sigmoid", so serving applies the same calibration.
    """
    if method not in ("isotonic", "sigmoid"):
        raise ValueError(f"method must be 'isotonic' or 'sigmoid', got {method!r}")
    checker = fitted.named_steps["columns"]
    calibrated = CalibratedClassifierCV(FrozenEstimator(fitted.named_steps["model"]), method=method)
    calibrated.fit(checker.transform(X_cal), y_cal)
    return Pipeline([("columns", checker), ("model", calibrated)])


def lightgbm_models(estimator: Any) -> Iterator[LGBMModel]:
    """Every LightGBM model inside a pipeline, residual wrapper or calibrated classifier."""
    if isinstance(estimator, LGBMModel):
        yield estimator
        return
    if isinstance(estimator, Pipeline):
        for _, step in estimator.steps:
            yield from lightgbm_models(step)
        return
    for attr in ("estimator_", "estimator", "calibrated_classifiers_"):
        inner = getattr(estimator, attr, None)
        if isinstance(inner, list):
            for item in inner:
                yield from lightgbm_models(item)
        elif inner is not None and inner is not estimator:
            yield from lightgbm_models(inner)
            if attr == "estimator_":
                return


def set_single_thread(pipeline: Pipeline) -> Pipeline:
    """Make LightGBM predict on one thread (servers run one prediction per request)."""
    for model in lightgbm_models(pipeline):
        model.set_params(n_jobs=1)
    return pipeline
