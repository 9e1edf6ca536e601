"""Fit the readiness and injury models on a feature table and score them on a held-out split."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from models.estimators import make_injury_model, make_readiness_model
from models.evaluate import (
    Split,
    acwr_rule_score,
    classification_metrics,
    readiness_baselines,
    regression_metrics,
    squash_acwr,
)

MIN_TRAIN_ROWS = 50


@dataclass
class FitResult:
    """A fitted model, its held-out metrics and the frames it was fitted and scored on."""

    model: Pipeline
    metrics: dict[str, float]
    params: dict[str, Any]
    train: pd.DataFrame
    test: pd.DataFrame
    test_pred: np.ndarray = field(repr=False)


def _check_rows(frame: pd.DataFrame, *, what: str) -> None:
    if len(frame) < MIN_TRAIN_ROWS:
        raise ValueError(
            f"{what}: only {len(frame)} labelled rows, need at least {MIN_TRAIN_ROWS}; "
            "log or simulate more days first"
        )


def readiness_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with a next-day readiness label."""
    return frame[frame["readiness_next"].notna()]


def injury_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows at risk: the athlete is not injured that day."""
    return frame[frame["injured"] == 0]


def fit_readiness(
    frame: pd.DataFrame,
    split: Split,
    *,
    columns: Sequence[str],
    random_state: int = 0,
    params: dict[str, Any] | None = None,
) -> FitResult:
    """Fit the readiness regressor on train rows; score it and the baselines on test rows."""
    train = readiness_rows(frame[split.train])
    test = readiness_rows(frame[split.test])
    _check_rows(train, what="readiness training set")
    _check_rows(test, what="readiness holdout")
    model = make_readiness_model(columns, random_state=random_state, params=params)
    model.fit(train, train["readiness_next"].to_numpy(float))
    y_true = test["readiness_next"].to_numpy(float)
    pred = model.predict(test)
    metrics = regression_metrics(y_true, pred)
    for name, baseline in readiness_baselines(test).items():
        metrics |= regression_metrics(y_true, baseline, prefix=f"baseline_{name}_")
    used = model.named_steps["model"].get_params()
    return FitResult(model, metrics, used, train, test, pred)


def fit_injury(
    frame: pd.DataFrame,
    split: Split,
    *,
    columns: Sequence[str],
    random_state: int = 0,
    params: dict[str, Any] | None = None,
) -> FitResult:
    """Fit the 7-day injury classifier; score it and the ACWR-rule baseline on the test rows."""
    train = injury_rows(frame[split.train])
    test = injury_rows(frame[split.test])
    _check_rows(train, what="injury training set")
    y_train = train["injury_7d"].to_numpy(int)
    if len(np.unique(y_train)) < 2:
        raise ValueError("injury training set has no injury onsets; simulate or import more data")
    model = make_injury_model(columns, random_state=random_state, params=params)
    model.fit(train, y_train)
    y_true = test["injury_7d"].to_numpy(int)
    proba = model.predict_proba(test)[:, 1]
    metrics = classification_metrics(y_true, proba)
    rate = float(np.mean(y_train))
    acwr = acwr_rule_score(test)
    rule = classification_metrics(
        y_true, squash_acwr(acwr, event_rate=rate), prefix="baseline_acwr_"
    )
    prevalence = classification_metrics(y_true, np.full(len(test), rate), prefix="baseline_rate_")
    metrics |= rule | {"baseline_rate_brier": prevalence["baseline_rate_brier"]}
    used = model.named_steps["model"].get_params()
    return FitResult(model, metrics, used, train, test, proba)


def score_model(model: Any, frame: pd.DataFrame, *, target: str) -> dict[str, float]:
    """Score an already fitted model (e.g. the current champion) on a holdout frame."""
    if target == "readiness":
        rows = readiness_rows(frame)
        return regression_metrics(rows["readiness_next"].to_numpy(float), model.predict(rows))
    rows = injury_rows(frame)
    return classification_metrics(rows["injury_7d"].to_numpy(int), model.predict_proba(rows)[:, 1])
