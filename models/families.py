"""Candidate model families per target, chosen on validation folds inside the training period.

Readiness (0-100, next morning): ``lightgbm`` (the residual LightGBM), ``ridge``, ``ewma``
(the athlete's 7-day EWMA), ``ewma_rounded`` (the same on the 0-10 self-report grid),
``persistence`` and ``athlete_mean``. Injury (7-day onset, probability): ``lightgbm``
(monotone, calibrated), ``logistic``, ``recency`` (days since the last injury/pain report) and
``acwr`` (a logistic curve of the EWMA acute:chronic ratio). Every family but ``lightgbm`` is
a baseline. Each family builds a scikit-learn ``Pipeline`` that starts with a ``ColumnChecker``
over the given columns, so any of them can be registered and served.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from models.baselines import (
    ColumnForecast,
    PickColumns,
    RecencyClassifier,
    RoundedRegressor,
    SignConstrained,
)
from models.estimators import (
    ColumnChecker,
    calibrate_classifier,
    make_injury_model,
    make_readiness_model,
)
from models.evaluate import calibration_fold, fast_roc_auc
from pipelines.columns import INJURY_MONOTONE, READINESS_IGNORED, READINESS_MONOTONE

READINESS_FAMILIES = (
    "lightgbm",
    "lightgbm_rounded",
    "ridge",
    "ewma",
    "ewma_rounded",
    "persistence",
    "athlete_mean",
)
INJURY_FAMILIES = ("lightgbm", "logistic", "recency", "acwr")
LEARNED = "lightgbm"
LEARNED_FAMILIES = ("lightgbm", "lightgbm_rounded")  # the rest are baselines
# Small tables (PMData: ~1,000 labelled days): fewer, shallower, strongly regularised trees.
SMALL_ROWS = 5_000
SMALL_READINESS_PARAMS: dict[str, Any] = {
    "n_estimators": 150,
    "learning_rate": 0.03,
    "num_leaves": 7,
    "min_child_samples": 20,
    "reg_lambda": 30.0,
    "colsample_bytree": 0.5,
}
SELF_GRID = 10.0  # 0-10 self-report x 10: the grid of the rounded EWMA on the 0-100 scale
ISOTONIC_MIN_EVENTS = 100
MIN_CLASS_EVENTS = 2  # onsets needed in a fit (and a calibration) fold
LINEAR_MAX_ROWS = 200_000
SCALE_FACTOR = 10.0  # readiness 0-100 internally; reports on the 0-10 self-report scale


@dataclass(frozen=True)
class TargetSpec:
    """What one target predicts: label column, metric and whether higher is better."""

    target: str
    label: str
    metric: str
    higher_better: bool
    families: tuple[str, ...]


def _linear(
    columns: Sequence[str],
    estimator: Any,
    *,
    directions: dict[str, int],
    ignored: Sequence[str] = (),
) -> Pipeline:
    """Median-impute, standardise, then a sign-constrained linear model (monotone like LightGBM)."""
    estimator = SignConstrained(
        estimator,
        directions=tuple(int(directions.get(c, 0)) for c in columns),
        excluded=tuple(c in ignored for c in columns),
    )
    return Pipeline(
        [
            ("columns", ColumnChecker(tuple(columns))),
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
            ("model", estimator),
        ]
    )


def _forecast(columns: Sequence[str], wanted: Sequence[str], *, round_to: float | None) -> Pipeline:
    model = ColumnForecast(tuple(wanted), round_to=round_to, feature_names=tuple(columns))
    return Pipeline([("columns", ColumnChecker(tuple(columns))), ("model", model)])


def make_readiness_family(
    family: str,
    columns: Sequence[str],
    *,
    random_state: int = 0,
    params: dict[str, Any] | None = None,
) -> Pipeline:
    """An unfitted readiness pipeline of ``family`` (see the module docstring)."""
    fallbacks = ("readiness_score_base",)
    builders: dict[str, Callable[[], Pipeline]] = {
        "lightgbm": lambda: make_readiness_model(columns, random_state=random_state, params=params),
        "ridge": lambda: _linear(
            columns, Ridge(alpha=1.0), directions=READINESS_MONOTONE, ignored=READINESS_IGNORED
        ),
        "ewma": lambda: _forecast(columns, ("readiness_ewm", *fallbacks), round_to=None),
        "ewma_rounded": lambda: _forecast(
            columns, ("readiness_ewm", *fallbacks), round_to=SELF_GRID
        ),
        "persistence": lambda: _forecast(
            columns, ("readiness_today", "readiness_ewm", *fallbacks), round_to=None
        ),
        "athlete_mean": lambda: _forecast(columns, fallbacks, round_to=None),
    }
    if family not in builders:
        raise ValueError(f"unknown readiness family {family!r}; known: {', '.join(builders)}")
    return builders[family]()


def make_injury_family(
    family: str,
    columns: Sequence[str],
    *,
    random_state: int = 0,
    params: dict[str, Any] | None = None,
) -> Pipeline:
    """An unfitted injury pipeline of ``family`` (LightGBM uncalibrated; see ``fit_family``)."""
    builders: dict[str, Callable[[], Pipeline]] = {
        "lightgbm": lambda: make_injury_model(columns, random_state=random_state, params=params),
        "logistic": lambda: _linear(
            columns,
            LogisticRegression(C=0.1, max_iter=500, solver="liblinear"),
            directions=INJURY_MONOTONE,
            ignored=READINESS_IGNORED,
        ),
        "recency": lambda: Pipeline(
            [
                ("columns", ColumnChecker(tuple(columns))),
                ("model", RecencyClassifier(feature_names=tuple(columns))),
            ]
        ),
        "acwr": lambda: Pipeline(
            [
                ("columns", ColumnChecker(tuple(columns))),
                ("pick", PickColumns(("acwr_ewma",), feature_names=tuple(columns))),
                ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                (
                    "model",
                    SignConstrained(
                        LogisticRegression(C=1.0, max_iter=500, solver="liblinear"), directions=(1,)
                    ),
                ),
            ]
        ),
    }
    if family not in builders:
        raise ValueError(f"unknown injury family {family!r}; known: {', '.join(builders)}")
    return builders[family]()


def fit_family(
    spec: TargetSpec,
    family: str,
    train: pd.DataFrame,
    *,
    columns: Sequence[str],
    random_state: int = 0,
    params: dict[str, Any] | None = None,
) -> Pipeline:
    """Fit one family on labelled training rows (injury LightGBM: fit, then calibrate).

    Raises ``ValueError`` naming the problem when the rows cannot support the fit.
    """
    y = train[spec.label].to_numpy(float)
    if spec.target == "readiness":
        if params is None and len(train) < SMALL_ROWS and family in LEARNED_FAMILIES:
            params = SMALL_READINESS_PARAMS
        base = LEARNED if family == "lightgbm_rounded" else family
        model = make_readiness_family(base, columns, random_state=random_state, params=params)
        rows = train if family != "ridge" else train.tail(LINEAR_MAX_ROWS)
        fitted = model.fit(rows, rows[spec.label].to_numpy(float))
        if family == "lightgbm_rounded":
            return RoundedRegressor.of_fitted(fitted, round_to=SELF_GRID)
        return fitted
    y = y.astype(int)
    if y.sum() < MIN_CLASS_EVENTS:
        raise ValueError(f"only {int(y.sum())} injury onsets in the training rows")
    if family != "lightgbm":
        model = make_injury_family(family, columns, random_state=random_state, params=params)
        rows = train.tail(LINEAR_MAX_ROWS)
        return model.fit(rows, rows[spec.label].to_numpy(int))
    fit_mask, cal_mask = calibration_fold(train, np.ones(len(train), dtype=bool))
    fit_rows, cal_rows = train[fit_mask], train[cal_mask]
    y_fit, y_cal = fit_rows[spec.label].to_numpy(int), cal_rows[spec.label].to_numpy(int)
    if y_fit.sum() < MIN_CLASS_EVENTS or y_cal.sum() < 1 or y_cal.sum() == len(y_cal):
        raise ValueError(
            f"too few injury onsets to fit and calibrate LightGBM "
            f"({int(y_fit.sum())} in the fit part, {int(y_cal.sum())} in the calibration part)"
        )
    raw = make_injury_family("lightgbm", columns, random_state=random_state, params=params)
    raw.fit(fit_rows, y_fit)
    method = "isotonic" if y_cal.sum() >= ISOTONIC_MIN_EVENTS else "sigmoid"
    return calibrate_classifier(raw, cal_rows, y_cal, method=method)


def predict_family(spec: TargetSpec, model: Any, rows: pd.DataFrame) -> np.ndarray:
    """Readiness forecasts (0-100, clipped) or injury probabilities for ``rows``."""
    if spec.target == "readiness":
        return np.clip(model.predict(rows), 0.0, 100.0)
    return model.predict_proba(rows)[:, 1]


def score(spec: TargetSpec, y: np.ndarray, pred: np.ndarray) -> float:
    """MAE (readiness, same units as y) or ROC AUC (injury; NaN with one class)."""
    if spec.target == "readiness":
        return float(np.mean(np.abs(y - pred))) if len(y) else float("nan")
    return float(roc_auc_score(y, pred)) if len(np.unique(y)) == 2 else float("nan")


def better(spec: TargetSpec, a: float, b: float) -> bool:
    """Is metric value ``a`` strictly better than ``b`` (NaN never is; anything beats NaN)?"""
    if np.isnan(a):
        return False
    if np.isnan(b):
        return True
    return a > b if spec.higher_better else a < b


def best_of(spec: TargetSpec, values: dict[str, float]) -> str | None:
    """The name with the best finite metric value (None when none is finite)."""
    finite = {k: v for k, v in values.items() if np.isfinite(v)}
    if not finite:
        return None
    pick = max if spec.higher_better else min
    return pick(finite, key=finite.__getitem__)


def paired_bootstrap(
    spec: TargetSpec,
    y: np.ndarray,
    pred_a: np.ndarray,
    pred_b: np.ndarray,
    *,
    groups: np.ndarray,
    n_boot: int = 500,
    level: float = 0.95,
    random_state: int = 0,
) -> tuple[float, float]:
    """Percentile interval of metric(a) - metric(b), resampling whole athletes (``groups``).

    Both forecasts are scored on the same resampled rows (paired). Readiness: difference of
    MAE (negative: a is better); injury: difference of ROC AUC (positive: a is better).
    """
    rng = np.random.default_rng(random_state)
    keys, inverse = np.unique(np.asarray(groups), return_inverse=True)
    if len(keys) < 2:
        return float("nan"), float("nan")
    if spec.target == "readiness":
        n = np.bincount(inverse, minlength=len(keys)).astype(float)
        sum_a = np.bincount(inverse, weights=np.abs(y - pred_a), minlength=len(keys))
        sum_b = np.bincount(inverse, weights=np.abs(y - pred_b), minlength=len(keys))
        picks = rng.integers(0, len(keys), (n_boot, len(keys)))
        weights = np.stack([np.bincount(p, minlength=len(keys)) for p in picks]).astype(float)
        diffs = (weights @ sum_a - weights @ sum_b) / np.maximum(weights @ n, 1.0)
    else:
        members = [np.flatnonzero(inverse == i) for i in range(len(keys))]
        values = []
        for _ in range(n_boot):
            rows = np.concatenate([members[i] for i in rng.integers(0, len(keys), len(keys))])
            if len(np.unique(y[rows])) == 2:
                values.append(
                    fast_roc_auc(y[rows], pred_a[rows]) - fast_roc_auc(y[rows], pred_b[rows])
                )
        if not values:
            return float("nan"), float("nan")
        diffs = np.asarray(values)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(diffs, [tail, 100 - tail])
    return float(low), float(high)
