"""Evaluation on real data: PMData (16 people, Nov 2019 - Mar 2020), split in time.

Readiness: train on days before 2020-02-15, report the MAE of next-day self-reported readiness
(0-10) from 2020-02-15 on, next to persistence and a 7-day EWMA. The evaluated set is every
athlete-day ``t >= 2020-02-15`` with a self-reported readiness on ``t`` and on ``t + 1``.
Model settings are chosen on three forward folds inside the training period only.
Injury: ROC AUC of the 7-day injury model on the same split with a bootstrap interval.
See docs/evaluation.md.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import InsufficientDataError
from models.estimators import INJURY_PARAMS, make_injury_model, make_readiness_model
from models.evaluate import bootstrap_roc_auc, classification_metrics
from pipelines.features import FEATURE_COLUMNS, build_daily_features
from pipelines.importers.pmdata import is_pmdata_folder, read_pmdata

PMDATA_CUTOFF = pd.Timestamp("2020-02-15")
EWMA_SPAN = 7
# Validation folds inside the training period (start, end): forward-chaining, 2 weeks each.
VALIDATION_FOLDS = (
    ("2020-01-01", "2020-01-15"),
    ("2020-01-15", "2020-01-29"),
    ("2020-01-29", "2020-02-14"),
)
# Small, strongly regularised grid; each point: (baseline column, LightGBM parameters).
READINESS_GRID = {
    "baseline": ("readiness_ewm", "readiness_median_28d"),
    "num_leaves": (3, 7),
    "min_child_samples": (20, 60),
    "n_estimators": (100, 300),
}
FIXED_PARAMS = {
    "learning_rate": 0.03,
    "reg_lambda": 30.0,
    "colsample_bytree": 0.5,
    "subsample": 0.8,
}
N_SEEDS = 5  # the final readiness model averages this many seeds (bagging noise)
INJURY_PMDATA_PARAMS = {**INJURY_PARAMS, "min_child_samples": 40, "n_estimators": 150}


@dataclass(frozen=True)
class ReadinessChoice:
    """A point of the readiness grid and its mean validation MAE (0-10 scale)."""

    baseline: str
    params: dict[str, Any]
    rounded: bool
    validation_mae: float


def default_pmdata_path(cwd: Path) -> Path:
    """``../shared/data/pmdata`` from the working directory, else from the repository."""
    relative = Path("..") / "shared" / "data" / "pmdata"
    candidates = [cwd / relative, Path(__file__).resolve().parents[1] / relative]
    return next((p for p in candidates if p.exists()), candidates[0])


def read_pmdata_frames(path: Path, *, today: dt.date) -> dict[str, pd.DataFrame]:
    """PMData through the project importer, with athlete ids 1..16 in ``pXX`` order."""
    if not path.exists() or not is_pmdata_folder(path):
        raise FileNotFoundError(
            f"no PMData folder at {path} (expected p01..p16 with pmsys/ inside); pass --path"
        )
    batch = read_pmdata(path, today=today)
    ids = {ref: i + 1 for i, ref in enumerate(sorted(batch.athletes["athlete_ref"]))}

    def with_ids(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(athlete_id=frame["athlete_ref"].map(ids).astype("int64"))

    return {
        name: with_ids(getattr(batch, name))
        for name in ("athletes", "sessions", "wellness", "injuries")
    }


def pmdata_feature_table(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The daily feature table (same pipeline as training) plus the raw self-reports."""
    table = build_daily_features(
        frames["sessions"], frames["wellness"], frames["injuries"], athletes=frames["athletes"]
    )
    by_athlete = table.groupby("athlete_id", sort=False)["readiness"]
    table["self_next"] = by_athlete.shift(-1)  # next day's self-reported readiness, 0-10
    table["ewma_reports"] = by_athlete.transform(
        lambda s: s.dropna().ewm(span=EWMA_SPAN).mean().reindex(s.index).ffill()
    )
    return table


def _fit_predict(
    train: pd.DataFrame, test: pd.DataFrame, *, baseline: str, params: dict[str, Any], seeds: int
) -> np.ndarray:
    preds = []
    for seed in range(seeds):
        model = make_readiness_model(
            FEATURE_COLUMNS, random_state=seed, params=params, baseline=baseline
        )
        model.fit(train, train["self_next"].to_numpy(float) * 10.0)
        preds.append(model.predict(test) / 10.0)
    return np.clip(np.mean(preds, axis=0), 0.0, 10.0)


def _rows(table: pd.DataFrame, lo: pd.Timestamp | None, hi: pd.Timestamp) -> pd.DataFrame:
    """Labelled rows whose label (day + 1) falls before ``hi`` (and day >= ``lo``)."""
    keep = table["self_next"].notna() & (table["date"] < hi - pd.Timedelta(days=1))
    if lo is not None:
        keep &= table["date"] >= lo
    return table[keep]


def choose_readiness_model(table: pd.DataFrame) -> ReadinessChoice:
    """Grid point with the lowest mean MAE over ``VALIDATION_FOLDS`` (training period only)."""
    results = []
    keys = list(READINESS_GRID)
    for values in itertools.product(*READINESS_GRID.values()):
        point = dict(zip(keys, values, strict=True))
        baseline = str(point.pop("baseline"))
        params = FIXED_PARAMS | point
        raw, rounded = [], []
        for lo, hi in VALIDATION_FOLDS:
            lo_, hi_ = pd.Timestamp(lo), pd.Timestamp(hi)
            train = _rows(table, None, lo_)
            valid = table[
                (table["date"] >= lo_)
                & (table["date"] < hi_)
                & table["self_next"].notna()
                & table["readiness"].notna()
            ]
            pred = _fit_predict(train, valid, baseline=baseline, params=params, seeds=1)
            y = valid["self_next"].to_numpy(float)
            raw.append(np.mean(np.abs(y - pred)))
            rounded.append(np.mean(np.abs(y - np.round(pred))))
        results.append(ReadinessChoice(baseline, params, False, float(np.mean(raw))))
        results.append(ReadinessChoice(baseline, params, True, float(np.mean(rounded))))
    return min(results, key=lambda r: r.validation_mae)


def evaluate_readiness(table: pd.DataFrame, *, cutoff: pd.Timestamp = PMDATA_CUTOFF) -> dict:
    """Next-day self-reported readiness (0-10) MAE from ``cutoff`` on, with baselines."""
    choice = choose_readiness_model(table)
    train = _rows(table, None, cutoff)
    test = table[
        (table["date"] >= cutoff) & table["self_next"].notna() & table["readiness"].notna()
    ]
    if len(test) == 0 or len(train) < 100:
        raise InsufficientDataError(f"PMData split at {cutoff.date()}: too few labelled days")
    pred = _fit_predict(train, test, baseline=choice.baseline, params=choice.params, seeds=N_SEEDS)
    point = np.round(pred) if choice.rounded else pred
    y = test["self_next"].to_numpy(float)

    def mae(forecast: np.ndarray) -> float:
        return float(np.mean(np.abs(y - forecast)))

    ewma = test["ewma_reports"].to_numpy(float)
    return {
        "mae": mae(point),
        "baselines": {
            "persistence": mae(test["readiness"].to_numpy(float)),
            "ewma": mae(ewma),
            "ewma_rounded": mae(np.round(ewma)),
            "athlete_mean_28d": mae(test["readiness_score_base"].to_numpy(float) / 10.0),
        },
        "mae_unrounded": mae(pred),
        "n": int(len(test)),
        "n_train": int(len(train)),
        "n_athletes": int(test["athlete_id"].nunique()),
        "evaluated_set": "athlete-days t >= 2020-02-15 with a self-reported readiness on t "
        "and on t+1; target: readiness on t+1 (0-10)",
        "model": {
            "baseline": choice.baseline,
            "rounded_to_integer": choice.rounded,
            "validation_mae": choice.validation_mae,
            "params": choice.params,
            "seeds": N_SEEDS,
        },
    }


def evaluate_injury(
    table: pd.DataFrame, *, cutoff: pd.Timestamp = PMDATA_CUTOFF, n_boot: int = 2000
) -> dict:
    """ROC AUC of the 7-day injury model from ``cutoff`` on, with bootstrap intervals."""
    at_risk = table[table["injured"] == 0]
    train = at_risk[at_risk["date"] < cutoff - pd.Timedelta(days=7)]
    test = at_risk[at_risk["date"] >= cutoff]
    y_train, y_test = train["injury_7d"].to_numpy(int), test["injury_7d"].to_numpy(int)
    if y_train.sum() < 5 or len(np.unique(y_test)) < 2:
        raise InsufficientDataError("PMData: too few injury reports on one side of the split")
    model = make_injury_model(FEATURE_COLUMNS, params=INJURY_PMDATA_PARAMS).fit(train, y_train)
    proba = model.predict_proba(test)[:, 1]
    metrics = classification_metrics(y_test, proba)
    rule = classification_metrics(y_test, test["acwr_ewma"].to_numpy(float))
    groups = test["athlete_id"].to_numpy()
    onsets = test.loc[test["injury_7d"] == 1, ["athlete_id", "date"]]
    return {
        "roc_auc": metrics["roc_auc"],
        # resampling athletes (cluster bootstrap): one athlete's days are not independent
        "ci": list(bootstrap_roc_auc(y_test, proba, groups=groups, n_boot=n_boot)),
        "ci_row_bootstrap": list(bootstrap_roc_auc(y_test, proba, n_boot=n_boot)),
        "ci_level": 0.95,
        "pr_auc": metrics["pr_auc"],
        "brier": metrics["brier"],
        "baseline_acwr_roc_auc": rule["roc_auc"],
        "n_rows": int(len(test)),
        "n_positive_rows": int(y_test.sum()),
        "n_events": _count_reports(table, cutoff),
        "n_athletes_with_events": int(onsets["athlete_id"].nunique()),
        "label": "an injury report within days t+1..t+7 (rows where no injury is open on t)",
    }


def _count_reports(table: pd.DataFrame, cutoff: pd.Timestamp) -> int:
    """Injury report days that fall in the labelled test window (t+1..t+7, t >= cutoff)."""
    starts = table.loc[table["days_since_injury"] == 0, ["athlete_id", "date"]].drop_duplicates()
    return int((starts["date"] >= cutoff + pd.Timedelta(days=1)).sum())


def run_pmdata_evaluation(
    path: Path, *, today: dt.date, log: Callable[[dict], None] | None = None
) -> dict:
    """Import PMData, build features, evaluate both targets; ``log`` receives the result."""
    table = pmdata_feature_table(read_pmdata_frames(path, today=today))
    result = {
        "readiness": evaluate_readiness(table),
        "injury": evaluate_injury(table),
        "dataset": {"name": "pmdata", "path": str(path), "cutoff": str(PMDATA_CUTOFF.date())},
    }
    if log is not None:
        log(result)
    return result
