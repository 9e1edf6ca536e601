"""Hyperparameter search with Optuna, each trial a nested MLflow run under one parent run.

The holdout of ``cairn train`` (last 20% of days, 20% of athletes unseen) is never used for
the search: trials are scored on forward-chaining folds inside the training part (with their
own unseen athletes), and the best parameters are scored once on the holdout at the end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from engine.services.model_registry import TARGETS, tracking_store
from engine.settings import Settings
from models import tracking
from models.evaluate import forward_chaining_splits, split_by_time
from models.train import fit_injury, fit_readiness
from pipelines.features import FEATURE_COLUMNS

# Metric to optimise per target, and whether higher is better.
OBJECTIVE = {"readiness": ("mae", False), "injury": ("roc_auc", True)}


@dataclass
class ExperimentReport:
    """Outcome of a search: best parameters, their validation and holdout scores."""

    target: str
    metric: str
    n_trials: int
    parent_run_id: str
    best_params: dict[str, Any]
    best_validation: float
    holdout: dict[str, float]
    trials: list[dict[str, Any]] = field(default_factory=list)


def suggest_params(trial: Any, *, target: str) -> dict[str, Any]:
    """LightGBM parameters for one trial (ranges suit a few thousand to millions of rows)."""
    params = {
        "n_estimators": trial.suggest_int("n_estimators", 50, 500, log=True),
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.2, log=True),
        "num_leaves": trial.suggest_int("num_leaves", 3, 63, log=True),
        "min_child_samples": trial.suggest_int("min_child_samples", 10, 400, log=True),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-2, 100.0, log=True),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.3, 1.0),
        "subsample": trial.suggest_float("subsample", 0.5, 1.0),
    }
    if target == "injury":
        params["scale_pos_weight"] = trial.suggest_float("scale_pos_weight", 1.0, 10.0, log=True)
    return params


def _score(
    frame: pd.DataFrame, splits: list[Any], *, target: str, params: dict, seed: int
) -> float:
    fit = fit_readiness if target == "readiness" else fit_injury
    metric = OBJECTIVE[target][0]
    scores = [
        fit(
            frame,
            split,
            columns=FEATURE_COLUMNS,
            random_state=seed,
            params=params,
            with_figures=False,
            diagnostics=False,
        ).metrics[metric]
        for split in splits
    ]
    return float(np.nanmean(scores))


def run_experiment(
    frame: pd.DataFrame,
    settings: Settings,
    *,
    target: str,
    n_trials: int,
    today: dt.date,
    n_splits: int = 2,
) -> ExperimentReport:
    """Search LightGBM parameters for ``target`` on ``frame`` (the daily feature table)."""
    import optuna

    if target not in TARGETS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)}, got {target!r}")
    seed = settings.random_state
    metric, higher_better = OBJECTIVE[target]
    outer = split_by_time(frame, test_fraction=0.2, athlete_fraction=0.2, random_state=seed)
    inner_frame = frame[outer.train].reset_index(drop=True)
    splits = list(forward_chaining_splits(inner_frame, n_splits=n_splits, random_state=seed + 1))
    store_ = tracking_store(settings)
    parent = tracking.start_parent_run(
        store_,
        experiment=f"cairn-{target}",
        run_name=f"optuna-{target}-{today.isoformat()}",
        params={"n_trials": n_trials, "n_splits": n_splits, "metric": metric, "target": target},
        tags={"kind": "hyperparameter-search"},
    )
    trials: list[dict[str, Any]] = []

    def objective(trial: Any) -> float:
        params = suggest_params(trial, target=target)
        value = _score(inner_frame, splits, target=target, params=params, seed=seed)
        tracking.log_nested_run(
            store_,
            parent_run_id=parent,
            run_name=f"trial-{trial.number:03d}",
            params=params,
            metrics={f"val_{metric}": value},
        )
        trials.append({"number": trial.number, "value": value, **params})
        return value

    sampler = optuna.samplers.TPESampler(seed=seed)
    study = optuna.create_study(
        direction="maximize" if higher_better else "minimize", sampler=sampler
    )
    try:
        study.optimize(objective, n_trials=n_trials)
    except BaseException:
        tracking.end_run(store_, run_id=parent, status="FAILED")
        raise
    best = dict(study.best_params)
    fit = fit_readiness if target == "readiness" else fit_injury
    final = fit(
        frame, outer, columns=FEATURE_COLUMNS, random_state=seed, params=best, with_figures=False
    )
    holdout = {
        k: v for k, v in final.metrics.items() if not k.startswith("baseline_") or metric in k
    }
    tracking.end_run(
        store_,
        run_id=parent,
        params={f"best_{k}": v for k, v in best.items()},
        metrics={f"best_val_{metric}": study.best_value}
        | {f"holdout_{k}": v for k, v in holdout.items()},
        table={"trials": trials, "best_params": best, "holdout": holdout},
    )
    return ExperimentReport(
        target, metric, n_trials, parent, best, study.best_value, holdout, trials
    )
