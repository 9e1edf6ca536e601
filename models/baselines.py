"""Simple models that every learned model must beat, as real (registrable) estimators.

``ColumnForecast``: tomorrow's readiness is a column of today's row (the athlete's EWMA,
today's readiness, the 28-day mean), optionally rounded to the self-report grid.
``RecencyClassifier``: 7-day injury risk from the days since the last injury or pain report,
a non-increasing step function (isotonic) fitted on the training rows.
Both take the full feature frame (or an array in ``columns`` order) like the LightGBM pipelines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
from sklearn.isotonic import IsotonicRegression
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

RECENCY_CAP_DAYS = 365.0  # never injured / no pain: this many days since


def _columns(X: pd.DataFrame | np.ndarray, names: Sequence[str], wanted: Sequence[str]) -> list:  # noqa: N803
    """The ``wanted`` columns of X as float arrays (X a frame, or an array in ``names`` order)."""
    if isinstance(X, pd.DataFrame):
        missing = [c for c in wanted if c not in X.columns]
        if missing:
            raise ValueError(f"feature frame is missing columns: {', '.join(missing)}")
        return [X[c].to_numpy(float) for c in wanted]
    array = np.asarray(X, dtype=float)
    return [array[:, list(names).index(c)] for c in wanted]


class ColumnForecast(RegressorMixin, BaseEstimator):
    """Forecast = a column of the row (first non-missing of ``columns``), else the training mean.

    Args:
        columns: Forecast columns in order of preference (e.g. EWMA, then the 28-day mean).
        round_to: Round the forecast to a multiple of this (10 on the 0-100 scale puts it on
            the 0-10 self-report grid); None keeps it raw.
        feature_names: Column order of array input (default: ``columns``).
    """

    def __init__(
        self,
        columns: Sequence[str] = ("readiness_ewm",),
        round_to: float | None = None,
        feature_names: Sequence[str] | None = None,
    ) -> None:
        self.columns = columns
        self.round_to = round_to
        self.feature_names = feature_names

    def fit(self, X: pd.DataFrame | np.ndarray, y: np.ndarray) -> ColumnForecast:  # noqa: N803
        if not self.columns:
            raise ValueError("ColumnForecast needs at least one column")
        if self.round_to is not None and self.round_to <= 0:
            raise ValueError(f"round_to must be positive, got {self.round_to}")
        y = np.asarray(y, dtype=float)
        self.fill_ = float(np.nanmean(y)) if np.isfinite(y).any() else 0.0
        self.n_features_in_ = len(self._names())
        return self

    def predict(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:  # noqa: N803
        check_is_fitted(self, "fill_")
        values = _columns(X, self._names(), list(self.columns))
        out = np.full(len(values[0]), np.nan)
        for column in values:
            out = np.where(np.isnan(out), column, out)
        out = np.where(np.isnan(out), self.fill_, out)
        if self.round_to is not None:
            out = np.round(out / self.round_to) * self.round_to
        return out

    def _names(self) -> Sequence[str]:
        return self.feature_names if self.feature_names is not None else self.columns


def recency_days(X: pd.DataFrame | np.ndarray, names: Sequence[str]) -> np.ndarray:  # noqa: N803
    """Days since the last injury onset or pain report (0 when pain is reported today)."""
    since, pain = _columns(X, names, ["days_since_injury", "pain"])
    days = np.where(np.isnan(since), RECENCY_CAP_DAYS, np.minimum(since, RECENCY_CAP_DAYS))
    return np.where(np.nan_to_num(pain) > 0, 0.0, days)


class RecencyClassifier(ClassifierMixin, BaseEstimator):
    """Injury risk as a non-increasing function of the days since the last injury/pain report.

    Args:
        feature_names: Column order of array input (default: the two columns it reads).
    """

    def __init__(self, feature_names: Sequence[str] | None = None) -> None:
        self.feature_names = feature_names

    def fit(self, X: pd.DataFrame | np.ndarray, y: np.ndarray) -> RecencyClassifier:  # noqa: N803
        y = np.asarray(y, dtype=float)
        self.classes_ = np.array([0, 1])
        days = recency_days(X, self._names())
        self.iso_ = IsotonicRegression(increasing=False, out_of_bounds="clip", y_min=0, y_max=1)
        self.iso_.fit(np.log1p(days), y)
        self.n_features_in_ = len(self._names())
        return self

    def predict_proba(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:  # noqa: N803
        check_is_fitted(self, "iso_")
        p = np.clip(self.iso_.predict(np.log1p(recency_days(X, self._names()))), 0.0, 1.0)
        return np.column_stack([1.0 - p, p])

    def predict(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:  # noqa: N803
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def _names(self) -> Sequence[str]:
        return self.feature_names or ("days_since_injury", "pain")

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class PickColumns(TransformerMixin, BaseEstimator):
    """Keep ``columns`` of an array whose columns are ``feature_names`` (in that order)."""

    def __init__(self, columns: Sequence[str] = (), feature_names: Sequence[str] = ()) -> None:
        self.columns = columns
        self.feature_names = feature_names

    def fit(self, X: np.ndarray, y: Any = None) -> PickColumns:  # noqa: N803
        missing = [c for c in self.columns if c not in self.feature_names]
        if not self.columns or missing:
            raise ValueError(f"PickColumns: columns not among the features: {missing or '(none)'}")
        self.index_ = [list(self.feature_names).index(c) for c in self.columns]
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        check_is_fitted(self, "index_")
        return np.asarray(X, dtype=float)[:, self.index_]


class SignConstrained(BaseEstimator):
    """A linear model whose coefficients respect fixed signs (a monotone linear model).

    Fits ``estimator`` (Ridge, LogisticRegression: anything with ``coef_``) on the allowed
    columns, drops every column whose coefficient has the wrong sign, and refits until none
    does. Standardised inputs keep the sign meaning of the raw feature.

    Args:
        estimator: The linear model to fit.
        directions: Per input column: +1 non-decreasing, -1 non-increasing, 0 free.
        excluded: Per input column: True to never use it.
    """

    def __init__(
        self,
        estimator: Any = None,
        directions: Sequence[int] = (),
        excluded: Sequence[bool] = (),
    ) -> None:
        self.estimator = estimator
        self.directions = directions
        self.excluded = excluded

    def fit(self, X: np.ndarray, y: np.ndarray) -> SignConstrained:  # noqa: N803
        from sklearn.base import clone

        X = np.asarray(X, dtype=float)  # noqa: N806
        n = X.shape[1]
        sign = np.asarray(self.directions or [0] * n, dtype=float)
        active = ~np.asarray(self.excluded or [False] * n, dtype=bool)
        if len(sign) != n or len(active) != n:
            raise ValueError(f"directions and excluded must have {n} entries")
        for _ in range(n + 1):
            model = clone(self.estimator).fit(X[:, active], y)
            coef = np.zeros(n)
            coef[active] = np.ravel(model.coef_)
            wrong = active & (sign * coef < 0)
            if not wrong.any():
                break
            active &= ~wrong
        self.estimator_, self.active_, self.n_features_in_ = model, active, n
        if hasattr(model, "classes_"):
            self.classes_ = model.classes_
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict(np.asarray(X, dtype=float)[:, self.active_])

    @available_if(lambda self: hasattr(self.estimator, "predict_proba"))
    def predict_proba(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(np.asarray(X, dtype=float)[:, self.active_])


class RoundedRegressor(RegressorMixin, BaseEstimator):
    """A regressor's forecast rounded to a grid (the MAE-optimal forecast of a whole-number
    report is a whole number too).

    Args:
        estimator: The regressor (fitted by ``fit``, or already fitted via ``of_fitted``).
        round_to: Grid step (10 on the 0-100 scale = the 0-10 self-report grid).
    """

    def __init__(self, estimator: Any = None, round_to: float = 10.0) -> None:
        self.estimator = estimator
        self.round_to = round_to

    @classmethod
    def of_fitted(cls, fitted: Any, *, round_to: float) -> RoundedRegressor:
        """Wrap an already fitted regressor without refitting it."""
        rounded = cls(fitted, round_to)
        rounded.estimator_ = fitted
        return rounded

    def fit(self, X: Any, y: np.ndarray) -> RoundedRegressor:  # noqa: N803
        from sklearn.base import clone

        if self.round_to <= 0:
            raise ValueError(f"round_to must be positive, got {self.round_to}")
        self.estimator_ = clone(self.estimator).fit(X, y)
        return self

    def predict(self, X: Any) -> np.ndarray:  # noqa: N803
        check_is_fitted(self, "estimator_")
        pred = np.asarray(self.estimator_.predict(X), dtype=float)
        return np.round(pred / self.round_to) * self.round_to
