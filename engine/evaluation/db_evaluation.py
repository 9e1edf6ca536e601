"""Evaluate Cairn on anything in the database: fit before a cut-off, score after it.

The same competition as ``cairn train`` (families chosen on folds inside the training
period, ``models.selection``), without the registry: the chosen family is scored on every
athlete-day from the cut-off on next to the baselines, on the athlete's own self-reports
(readiness on the 0-10 scale; ``models.labels``), with a paired bootstrap interval by athlete
of the difference to the strongest baseline. See docs/evaluation.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from engine.errors import InsufficientDataError
from engine.services.training import load_feature_table, prepare_frame
from models.evaluate import Split, classification_metrics, labelled_cutoff
from models.families import best_of, paired_bootstrap
from models.selection import SPECS, TargetFit, TargetSkipped, fit_target, target_rows
from pipelines.features import FEATURE_COLUMNS

EMBARGO_DAYS = 7
SCALE = 10.0  # readiness 0-100 inside, reported on the 0-10 self-report scale


def read_evaluation_frame(
    session: Session, *, athletes: Sequence[int] | None = None, imputed: str = "drop"
) -> tuple[pd.DataFrame, str]:
    """The feature table of ``athletes`` (all when None) with honest labels and their source."""
    frame = load_feature_table(session)
    if athletes:
        missing = sorted(set(athletes) - set(frame["athlete_id"].unique()))
        if missing:
            raise InsufficientDataError(f"--athletes: no logged days for athlete(s) {missing}")
        frame = frame[frame["athlete_id"].isin(list(athletes))].reset_index(drop=True)
    if frame.empty:
        raise InsufficientDataError("the database holds no logged athlete-days to evaluate")
    return prepare_frame(frame, imputed=imputed)


def time_split(
    frame: pd.DataFrame, *, cutoff: dt.date | None, test_fraction: float | None
) -> Split:
    """Train before the cut-off (minus a 7-day embargo), test from it on; all athletes in both."""
    if cutoff is not None:
        at = pd.Timestamp(cutoff)
    else:
        labelled = target_rows(SPECS["readiness"], frame) | target_rows(SPECS["injury"], frame)
        at = labelled_cutoff(frame, test_fraction=test_fraction or 0.2, labelled=labelled)
    date = frame["date"]
    train = (date < at - pd.Timedelta(days=EMBARGO_DAYS)).to_numpy()
    return Split(train=train, test=(date >= at).to_numpy(), cutoff=at)


def _rivals(fit: TargetFit) -> dict[str, float]:
    return {k: v for k, v in fit.baselines.items() if k != fit.family}


def _interval(fit: TargetFit, best: str | None, *, scale: float) -> list[float | None]:
    if best is None:
        return [None, None]
    groups = fit.holdout["athlete_id"].to_numpy()
    low, high = paired_bootstrap(
        fit.spec, fit.y, fit.pred, fit.baseline_preds[best], groups=groups, n_boot=1000
    )
    return [_num(low / scale), _num(high / scale)]


def _num(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def readiness_result(fit: TargetFit, *, label_source: str) -> dict[str, Any]:
    """The readiness block of the JSON (0-10 scale)."""
    rivals = _rivals(fit)
    best = best_of(fit.spec, rivals)
    return {
        "mae": _num(fit.value / SCALE),
        "n": int(len(fit.holdout)),
        "scale": "0-10",
        "baselines": {k: _num(v / SCALE) for k, v in fit.baselines.items()},
        "best_baseline": best,
        "diff_ci": _interval(fit, best, scale=SCALE),
        "family": fit.family,
        "candidates": {k: _num(v / SCALE) for k, v in fit.candidates.items()},
        "label": label_source,
    }


def injury_result(fit: TargetFit, *, frame: pd.DataFrame, split: Split) -> dict[str, Any]:
    """The injury block of the JSON."""
    rivals = _rivals(fit)
    best = best_of(fit.spec, rivals)
    metrics = classification_metrics(fit.y.astype(int), fit.pred)
    onsets = frame.loc[split.test & (frame["days_since_injury"] == 0).to_numpy()]
    return {
        "roc_auc": _num(metrics["roc_auc"]),
        "pr_auc": _num(metrics["pr_auc"]),
        "brier": _num(metrics["brier"]),
        "n_events": int(len(onsets)),
        "baselines": {k: _num(v) for k, v in fit.baselines.items()},
        "best_baseline": best,
        "diff_ci": _interval(fit, best, scale=1.0),
        "family": fit.family,
        "candidates": {k: _num(v) for k, v in fit.candidates.items()},
        "n": int(len(fit.holdout)),
    }


def evaluate_frame(
    frame: pd.DataFrame,
    *,
    label_source: str,
    cutoff: dt.date | None = None,
    test_fraction: float | None = None,
    random_state: int = 0,
) -> tuple[dict[str, Any], dict[str, TargetFit]]:
    """Both targets' JSON blocks, plus the fits (for plots)."""
    split = time_split(frame, cutoff=cutoff, test_fraction=test_fraction)
    result: dict[str, Any] = {}
    fits: dict[str, TargetFit] = {}
    for target, spec in SPECS.items():
        try:
            fit = fit_target(spec, frame, split, columns=FEATURE_COLUMNS, random_state=random_state)
        except TargetSkipped as err:
            result[target] = {"skipped": str(err)}
            continue
        fits[target] = fit
        result[target] = (
            readiness_result(fit, label_source=label_source)
            if target == "readiness"
            else injury_result(fit, frame=frame, split=split)
        )
    result["split"] = {
        "cutoff": split.cutoff.date().isoformat(),
        "n_athletes": int(frame["athlete_id"].nunique()),
        "embargo_days": EMBARGO_DAYS,
    }
    return result, fits


def evaluation_figures(fits: dict[str, TargetFit]) -> dict[str, Any]:
    """Residuals (readiness, 0-10) and the reliability curves (injury) of an evaluation."""
    from models.evaluate import calibration_table
    from models.plots import calibration_figure, residuals_figure

    figures: dict[str, Any] = {}
    if "readiness" in fits:
        fit = fits["readiness"]
        figures["residuals.png"] = residuals_figure(
            fit.y / SCALE, fit.pred / SCALE, title="Next-day self-reported readiness (0-10)"
        )
    if "injury" in fits:
        fit = fits["injury"]
        y = fit.y.astype(int)
        curves = {fit.family: calibration_table(y, fit.pred)}
        curves |= {k: calibration_table(y, p) for k, p in fit.baseline_preds.items()}
        figures["calibration.png"] = calibration_figure(curves, title="7-day injury, test period")
    return figures


def evaluation_metrics(result: dict[str, Any]) -> dict[str, float]:
    """Flat MLflow metrics of an evaluation result."""
    metrics: dict[str, float] = {}
    for target in ("readiness", "injury"):
        block = result.get(target, {})
        if "skipped" in block:
            continue
        for key in ("mae", "roc_auc", "pr_auc", "brier", "n", "n_events"):
            if block.get(key) is not None:
                metrics[f"{target}_{key}"] = float(block[key])
        for name, value in block["baselines"].items():
            if value is not None:
                metrics[f"{target}_baseline_{name}"] = float(value)
        low, high = block["diff_ci"]
        if low is not None:
            metrics[f"{target}_diff_ci_low"], metrics[f"{target}_diff_ci_high"] = low, high
    return metrics


def read_athlete_ids(session: Session, *, ref_prefix: str) -> list[int]:
    """Ids of the athletes whose external reference starts with ``ref_prefix`` (imports)."""
    from sqlalchemy import select

    from engine.store.tables import Athlete

    query = select(Athlete.id).where(Athlete.external_ref.like(f"{ref_prefix}%"))
    return sorted(int(i) for i in session.scalars(query))
