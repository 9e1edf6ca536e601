"""Fit every candidate family of a target, choose one on inner folds, score all on a holdout.

``fit_target`` is the whole competition for one target: families are compared on
forward-chaining folds placed inside the training period (never the holdout); the chosen one
is refitted on all training rows; then it and every baseline family are scored on the same
holdout rows, which are the athlete's own self-reports for readiness (``models.labels``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models.baselines import RoundedRegressor
from models.evaluate import Split, labelled_folds
from models.families import (
    INJURY_FAMILIES,
    LEARNED,
    LEARNED_FAMILIES,
    READINESS_FAMILIES,
    SELF_GRID,
    TargetSpec,
    best_of,
    fit_family,
    predict_family,
    score,
)

MIN_TRAIN_ROWS = 50
MIN_TEST_ROWS = 10
MIN_ONSETS = 5  # injury onsets (positive rows) needed in training, and 1+ in the holdout

READINESS = TargetSpec("readiness", "readiness_label", "mae", False, READINESS_FAMILIES)
INJURY = TargetSpec("injury", "injury_7d", "roc_auc", True, INJURY_FAMILIES)
SPECS = {"readiness": READINESS, "injury": INJURY}


class TargetSkipped(ValueError):
    """A target cannot be trained on this data; the message says why in one line."""


@dataclass
class TargetFit:
    """The chosen family fitted on the training rows, and every candidate on the holdout."""

    spec: TargetSpec
    family: str
    model: Any
    value: float
    holdout: pd.DataFrame
    y: np.ndarray
    pred: np.ndarray
    baselines: dict[str, float] = field(default_factory=dict)
    baseline_models: dict[str, Any] = field(default_factory=dict, repr=False)
    baseline_preds: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    validation: dict[str, float] = field(default_factory=dict)
    n_train: int = 0
    train: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    candidates: dict[str, float] = field(default_factory=dict)  # every family on the holdout

    @property
    def best_baseline(self) -> str | None:
        return best_of(self.spec, self.baselines)


def target_rows(spec: TargetSpec, frame: pd.DataFrame) -> np.ndarray:
    """Rows that carry an honest label for ``spec`` (readiness: self-reports only)."""
    labelled = frame[spec.label].notna().to_numpy()
    if spec.target == "readiness":
        return labelled
    return labelled & (frame["injured"] == 0).to_numpy()


def _check(spec: TargetSpec, train: pd.DataFrame, test: pd.DataFrame) -> None:
    if len(train) < MIN_TRAIN_ROWS:
        raise TargetSkipped(
            f"{spec.target}: only {len(train)} labelled training rows (need {MIN_TRAIN_ROWS})"
        )
    if len(test) < MIN_TEST_ROWS:
        raise TargetSkipped(f"{spec.target}: only {len(test)} labelled holdout rows")
    if spec.target == "injury":
        onsets = int(train[spec.label].sum())
        if onsets < MIN_ONSETS:
            raise TargetSkipped(
                f"injury: too few injury onsets in the training period ({onsets}, need "
                f"{MIN_ONSETS})"
            )
        if test[spec.label].nunique() < 2:
            raise TargetSkipped("injury: the holdout has no injury onset (or only onsets)")


def _scored_rows(spec: TargetSpec, frame: pd.DataFrame) -> np.ndarray:
    """Rows a metric may use: never an imputed readiness label."""
    rows = target_rows(spec, frame)
    if spec.target == "readiness" and "label_scored" in frame:
        rows = rows & (frame["label_scored"].to_numpy(float) == 1)
    return rows


def _fit_or_derive(
    spec: TargetSpec,
    family: str,
    train: pd.DataFrame,
    fitted: dict[str, Any],
    **kwargs: Any,
) -> Any:
    """Fit ``family``; the rounded LightGBM reuses an already fitted LightGBM (no refit)."""
    if family == "lightgbm_rounded" and LEARNED in fitted:
        return RoundedRegressor.of_fitted(fitted[LEARNED], round_to=SELF_GRID)
    return fit_family(spec, family, train, **kwargs)


def validate_families(
    spec: TargetSpec,
    frame: pd.DataFrame,
    split: Split,
    *,
    columns: Sequence[str],
    families: Sequence[str],
    random_state: int = 0,
    params: dict[str, Any] | None = None,
) -> dict[str, float]:
    """Mean metric of each family over two forward folds inside ``split.train`` (NaN: failed)."""
    inner = frame[split.train].reset_index(drop=True)
    fit_ok, scored = target_rows(spec, inner), _scored_rows(spec, inner)
    results: dict[str, list[float]] = {f: [] for f in families}
    folds = labelled_folds(inner, labelled=scored, n_splits=2, random_state=random_state + 1)
    for fold in folds:
        train, test = inner[fold.train & fit_ok], inner[fold.test & scored]
        if len(train) < MIN_TRAIN_ROWS or len(test) < MIN_TEST_ROWS:
            continue
        y = test[spec.label].to_numpy(float)
        fitted: dict[str, Any] = {}
        for family in families:
            try:
                fitted[family] = _fit_or_derive(
                    spec,
                    family,
                    train,
                    fitted,
                    columns=columns,
                    random_state=random_state,
                    params=params,
                )
            except ValueError:
                continue
            results[family].append(score(spec, y, predict_family(spec, fitted[family], test)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return {f: float(np.nanmean(v)) if v else float("nan") for f, v in results.items()}


def fit_target(
    spec: TargetSpec,
    frame: pd.DataFrame,
    split: Split,
    *,
    columns: Sequence[str],
    random_state: int = 0,
    params: dict[str, Any] | None = None,
    family: str | None = None,
) -> TargetFit:
    """Choose (or take ``family``), fit on ``split.train``, score with baselines on the holdout.

    Raises ``TargetSkipped`` (one-line reason) when the data cannot support the target.
    """
    train = frame[split.train & target_rows(spec, frame)]
    test = frame[split.test & _scored_rows(spec, frame)]
    _check(spec, train, test)
    validation: dict[str, float] = {}
    if family is None:
        validation = validate_families(
            spec,
            frame,
            split,
            columns=columns,
            families=spec.families,
            random_state=random_state,
            params=params,
        )
        family = best_of(spec, validation) or LEARNED
    y = test[spec.label].to_numpy(float)
    models: dict[str, Any] = {}
    preds: dict[str, np.ndarray] = {}
    for name in dict.fromkeys([*spec.families, family]):  # LightGBM before its rounding
        try:
            models[name] = _fit_or_derive(
                spec,
                name,
                train,
                models,
                columns=columns,
                random_state=random_state,
                params=params,
            )
        except ValueError as err:
            if name == family:
                raise TargetSkipped(f"{spec.target}: {family} cannot be fitted: {err}") from err
            continue
        preds[name] = predict_family(spec, models[name], test)
    values = {name: score(spec, y, p) for name, p in preds.items()}
    baselines = {k: v for k, v in values.items() if k not in LEARNED_FAMILIES}
    return TargetFit(
        spec=spec,
        family=family,
        model=models[family],
        value=values[family],
        holdout=test,
        y=y,
        pred=preds[family],
        baselines=baselines,
        baseline_models={k: models[k] for k in baselines},
        baseline_preds={k: preds[k] for k in baselines},
        validation=validation,
        n_train=len(train),
        train=train,
        candidates=values,
    )
