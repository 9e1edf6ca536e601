"""Fit the readiness and injury models on a feature table and score them on a held-out split.

Both fits also score simple baselines on the same test rows (under metric names containing
``baseline``), compute feature importance (LightGBM gain and mean |SHAP|) and build the
diagnostic figures that ``models.tracking`` logs. Training sets above ``MAX_TRAIN_ROWS`` rows
are fitted on a random sample of that size (LightGBM's cost per tree grows with the rows while
the accuracy gain has flattened long before); the holdout is always scored in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from models.estimators import (
    ColumnChecker,
    calibrate_classifier,
    lightgbm_models,
    make_injury_model,
    make_readiness_model,
)
from models.evaluate import (
    Split,
    acwr_rule_score,
    calibration_fold,
    calibration_table,
    classification_metrics,
    readiness_baselines,
    regression_metrics,
    squash_acwr,
)
from models.plots import calibration_figure, importance_figure, residuals_figure

MIN_TRAIN_ROWS = 50
LINEAR_BASELINE_ROWS = 200_000  # linear baselines fit on at most this many training rows
SHAP_ROWS = 500
ISOTONIC_MIN_EVENTS = 100
MAX_TRAIN_ROWS = 1_000_000  # larger training sets are fitted on a random sample this large
BAGGING_ROWS = 500_000  # above this many training rows each tree sees a sample this large
LARGE_MAX_BIN = 63  # histogram bins per feature on such large tables (LightGBM default 255)
_KEEP = (
    "athlete_id",
    "date",
    "readiness_next",
    "injury_7d",
    "readiness_today",
    "readiness_ewm",
    "readiness_score_base",
    "acwr_ewma",
)


@dataclass
class FitResult:
    """A fitted model, its held-out metrics and the rows it was fitted and scored on."""

    model: Pipeline
    metrics: dict[str, float]
    params: dict[str, Any]
    train: pd.DataFrame
    test: pd.DataFrame
    test_pred: np.ndarray = field(repr=False)
    importance: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    figures: dict[str, Figure] = field(default_factory=dict, repr=False)


def _check_rows(frame: pd.DataFrame, *, what: str) -> None:
    if len(frame) < MIN_TRAIN_ROWS:
        raise ValueError(
            f"{what}: only {len(frame)} labelled rows, need at least {MIN_TRAIN_ROWS}; "
            "log or simulate more days first"
        )


def readiness_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with a next-day readiness label."""
    return frame[frame["readiness_next"].notna()]


def _rows(
    frame: pd.DataFrame,
    mask: np.ndarray,
    columns: Sequence[str],
    *,
    max_rows: int | None = None,
    random_state: int = 0,
) -> pd.DataFrame:
    """The masked rows with only the feature, label and baseline columns (saves memory).

    With ``max_rows``, a larger set is cut to a random sample of that size (in time order).
    """
    keep = [frame.columns.get_loc(c) for c in dict.fromkeys([*columns, *_KEEP]) if c in frame]
    index = np.flatnonzero(mask)
    if max_rows is not None and len(index) > max_rows:
        rng = np.random.default_rng(random_state)
        index = np.sort(rng.choice(index, max_rows, replace=False))
    return frame.iloc[index, keep]


def _linear_baseline(columns: Sequence[str], estimator: Any) -> Pipeline:
    return Pipeline(
        [
            ("columns", ColumnChecker(tuple(columns))),
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
            ("model", estimator),
        ]
    )


def scaled_params(params: dict[str, Any] | None, *, n_rows: int) -> dict[str, Any] | None:
    """Large tables: bag ``BAGGING_ROWS`` rows per tree and use coarser histograms.

    Statistical gains flatten long before millions of rows, while the cost per tree grows
    with them; bagging keeps training time roughly constant and regularises a little.
    Explicit ``subsample`` / ``max_bin`` parameters win.
    """
    if n_rows <= BAGGING_ROWS:
        return params
    large = {"subsample": BAGGING_ROWS / n_rows, "subsample_freq": 1, "max_bin": LARGE_MAX_BIN}
    return large | (params or {})


def _subsample(frame: pd.DataFrame, *, n: int, random_state: int) -> pd.DataFrame:
    return frame if len(frame) <= n else frame.sample(n, random_state=random_state)


def feature_importance(model: Pipeline, X: pd.DataFrame, *, columns: Sequence[str]) -> pd.DataFrame:  # noqa: N803
    """LightGBM split gain (share of the total) and mean |SHAP| per feature (TreeSHAP).

    SHAP values come from LightGBM's own ``pred_contrib`` on up to 500 rows of ``X``; for
    the readiness model they explain the residual over the athlete's recent readiness.
    """
    booster = next(lightgbm_models(model)).booster_
    gain = booster.feature_importance(importance_type="gain")
    sample = X.iloc[:: max(1, len(X) // SHAP_ROWS)]
    contrib = booster.predict(model.named_steps["columns"].transform(sample), pred_contrib=True)
    shap = np.abs(np.asarray(contrib)[:, : len(columns)]).mean(axis=0)
    table = pd.DataFrame(
        {"gain": gain / max(gain.sum(), 1e-12), "mean_abs_shap": shap}, index=list(columns)
    )
    return table.sort_values("gain", ascending=False)


def fit_readiness(
    frame: pd.DataFrame,
    split: Split,
    *,
    columns: Sequence[str],
    random_state: int = 0,
    params: dict[str, Any] | None = None,
    with_figures: bool = True,
    diagnostics: bool = True,
) -> FitResult:
    """Fit the readiness regressor on train rows; score it and the baselines on test rows.

    Baselines: persistence (today's readiness), the athlete's EWMA and 28-day mean, and a
    ridge regression on the same features (median-imputed, standardised). With
    ``diagnostics=False`` (hyperparameter trials) only the model's metrics are computed.
    """
    labelled = frame["readiness_next"].notna().to_numpy()
    train = _rows(
        frame,
        split.train & labelled,
        columns,
        max_rows=MAX_TRAIN_ROWS,
        random_state=random_state,
    )
    test = _rows(frame, split.test & labelled, columns)
    _check_rows(train, what="readiness training set")
    _check_rows(test, what="readiness holdout")
    y_train = train["readiness_next"].to_numpy(float)
    params = scaled_params(params, n_rows=len(train))
    model = make_readiness_model(columns, random_state=random_state, params=params)
    model.fit(train, y_train)
    y_true = test["readiness_next"].to_numpy(float)
    pred = np.clip(model.predict(test), 0.0, 100.0)
    metrics = regression_metrics(y_true, pred)
    used = next(lightgbm_models(model)).get_params()
    if not diagnostics:
        return FitResult(model, metrics, used, train, test, pred)
    for name, baseline in readiness_baselines(test).items():
        metrics |= regression_metrics(y_true, baseline, prefix=f"baseline_{name}_")
    ridge_rows = _subsample(train, n=LINEAR_BASELINE_ROWS, random_state=random_state)
    ridge = _linear_baseline(columns, Ridge(alpha=1.0))
    ridge.fit(ridge_rows, ridge_rows["readiness_next"].to_numpy(float))
    metrics |= regression_metrics(y_true, ridge.predict(test), prefix="baseline_ridge_")
    importance = feature_importance(model, test, columns=columns)
    figures = {}
    if with_figures:
        figures = {
            "residuals.png": residuals_figure(y_true, pred, title="Next-day readiness, holdout"),
            "importance.png": importance_figure(
                importance["gain"].rename("share of split gain"), title="Readiness model"
            ),
        }
    return FitResult(model, metrics, used, train, test, pred, importance, figures)


def fit_injury(
    frame: pd.DataFrame,
    split: Split,
    *,
    columns: Sequence[str],
    random_state: int = 0,
    params: dict[str, Any] | None = None,
    with_figures: bool = True,
    diagnostics: bool = True,
) -> FitResult:
    """Fit and calibrate the 7-day injury classifier; score it and the baselines on test rows.

    LightGBM is fitted on the earlier 80% of the training dates and calibrated (isotonic, or
    sigmoid with few events) on the later 20%. Baselines: the ACWR rule, the event rate and a
    logistic regression on the same features.
    """
    at_risk = (frame["injured"] == 0).to_numpy()
    fit_mask, cal_mask = calibration_fold(frame, split.train & at_risk)
    sample = {"max_rows": MAX_TRAIN_ROWS, "random_state": random_state}
    fit_rows = _rows(frame, fit_mask, columns, **sample)
    cal_rows = _rows(frame, cal_mask, columns, **sample)
    test = _rows(frame, split.test & at_risk, columns)
    train = pd.concat([fit_rows, cal_rows])
    _check_rows(fit_rows, what="injury training set")
    y_fit, y_cal = fit_rows["injury_7d"].to_numpy(int), cal_rows["injury_7d"].to_numpy(int)
    if len(np.unique(y_fit)) < 2 or len(np.unique(y_cal)) < 2:
        raise ValueError("injury training set has too few injury onsets; simulate or import more")
    params = scaled_params(params, n_rows=len(fit_rows))
    raw = make_injury_model(columns, random_state=random_state, params=params).fit(fit_rows, y_fit)
    method = "isotonic" if y_cal.sum() >= ISOTONIC_MIN_EVENTS else "sigmoid"
    model = calibrate_classifier(raw, cal_rows, y_cal, method=method)
    y_true = test["injury_7d"].to_numpy(int)
    proba = model.predict_proba(test)[:, 1]
    metrics = classification_metrics(y_true, proba)
    used = next(lightgbm_models(raw)).get_params() | {"calibration": method}
    if not diagnostics:
        return FitResult(model, metrics, used, train, test, proba)
    uncalibrated = raw.predict_proba(test)[:, 1]
    metrics["uncalibrated_brier"] = classification_metrics(y_true, uncalibrated)["brier"]
    rate = float(np.mean(np.concatenate([y_fit, y_cal])))
    rule = squash_acwr(acwr_rule_score(test), event_rate=rate)
    metrics |= classification_metrics(y_true, rule, prefix="baseline_acwr_")
    metrics["baseline_rate_brier"] = classification_metrics(y_true, np.full(len(test), rate))[
        "brier"
    ]
    logistic_rows = _subsample(train, n=LINEAR_BASELINE_ROWS, random_state=random_state)
    logistic = _linear_baseline(columns, LogisticRegression(C=0.1, max_iter=500))
    logistic.fit(logistic_rows, logistic_rows["injury_7d"].to_numpy(int))
    logistic_proba = logistic.predict_proba(test)[:, 1]
    metrics |= classification_metrics(y_true, logistic_proba, prefix="baseline_logistic_")
    importance = feature_importance(raw, test, columns=columns)
    figures = {}
    if with_figures and len(np.unique(y_true)) == 2:
        curves = {
            f"LightGBM + {method}": calibration_table(y_true, proba),
            "LightGBM uncalibrated": calibration_table(y_true, uncalibrated),
            "logistic regression": calibration_table(y_true, logistic_proba),
        }
        figures["calibration.png"] = calibration_figure(curves, title="7-day injury, holdout")
    if with_figures:
        figures["importance.png"] = importance_figure(
            importance["gain"].rename("share of split gain"), title="Injury model"
        )
    return FitResult(model, metrics, used, train, test, proba, importance, figures)


def score_model(model: Any, frame: pd.DataFrame, *, target: str) -> dict[str, float]:
    """Score an already fitted model (e.g. the current champion) on a holdout frame."""
    if target == "readiness":
        rows = readiness_rows(frame)
        pred = np.clip(model.predict(rows), 0.0, 100.0)
        return regression_metrics(rows["readiness_next"].to_numpy(float), pred)
    rows = frame[frame["injured"] == 0] if "injured" in frame else frame
    return classification_metrics(rows["injury_7d"].to_numpy(int), model.predict_proba(rows)[:, 1])
