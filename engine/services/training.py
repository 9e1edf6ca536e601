"""Batch training: store -> features -> fit -> MLflow -> challenger/champion decision."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from engine.services import model_registry
from engine.services.feature_store import read_training_table
from engine.services.model_registry import tracking_store
from engine.settings import Settings
from models import tracking
from models.estimators import TRUSTED_TYPES
from models.evaluate import split_by_time
from models.train import FitResult, fit_injury, fit_readiness, score_model
from pipelines.features import FEATURE_COLUMNS

# Which metric decides promotion, and whether higher is better.
PRIMARY_METRIC = {"readiness": ("mae", False), "injury": ("roc_auc", True)}


@dataclass
class TargetOutcome:
    """What happened to one target's model in a training run."""

    target: str
    name: str
    version: int | None
    run_id: str
    metrics: dict[str, float]
    champion_before: int | None
    champion_metrics: dict[str, float] | None
    promoted: bool
    reason: str


@dataclass
class TrainReport:
    """Both targets' outcomes plus the data used."""

    n_rows: int
    n_athletes: int
    cutoff: str
    outcomes: list[TargetOutcome] = field(default_factory=list)


def load_feature_table(session: Session) -> pd.DataFrame:
    """The whole cohort's daily feature table, read from the feature store (athletes whose
    rows are missing or stale are rebuilt from their logs first)."""
    return read_training_table(session)


def _decide(target: str, new: dict[str, float], old: dict[str, float] | None) -> tuple[bool, str]:
    metric, higher_better = PRIMARY_METRIC[target]
    if old is None:
        return True, "no champion yet"
    new_v, old_v = new[metric], old[metric]
    better = new_v > old_v if higher_better else new_v < old_v
    verdict = "beats" if better else "does not beat"
    return better, f"{metric} {new_v:.4f} {verdict} the champion's {old_v:.4f} on the same holdout"


def _champion_metrics(
    settings: Settings, name: str, target: str, holdout: pd.DataFrame
) -> tuple[int | None, dict[str, float] | None]:
    store_ = tracking_store(settings)
    version = tracking.read_alias_version(store_, name=name, alias=settings.champion_alias)
    if version is None:
        return None, None
    try:
        model = tracking.load_model(store_, name=name, alias=settings.champion_alias)
        return version, score_model(model, holdout, target=target)
    except Exception as err:  # noqa: BLE001 - an unloadable champion is replaced
        del err
        return version, {PRIMARY_METRIC[target][0]: float("nan")}


def register_result(
    settings: Settings,
    *,
    target: str,
    result: FitResult,
    holdout: pd.DataFrame,
    run_name: str,
    extra_params: dict[str, Any],
) -> TargetOutcome:
    """Log and register a fitted model as ``challenger``; promote it only if it beats the
    champion on ``holdout`` (readiness: lower MAE; injury: higher ROC AUC)."""
    store_ = tracking_store(settings)
    name = settings.readiness_model_name if target == "readiness" else settings.injury_model_name
    before, old_metrics = _champion_metrics(settings, name, target, holdout)
    logged = tracking.log_model_run(
        store_,
        experiment=f"cairn-{target}",
        run_name=run_name,
        model=result.model,
        params={**result.params, **extra_params},
        metrics=result.metrics,
        X_example=result.train[list(FEATURE_COLUMNS)].astype(float),
        train_frame=result.train[[*FEATURE_COLUMNS, "athlete_id", "date"]].tail(50_000),
        registered_name=name,
        figures=result.figures,
        tags={"target": target, "top_features": ", ".join(result.importance.index[:10])},
        trusted_types=TRUSTED_TYPES,
    )
    assert logged.version is not None
    tracking.set_alias(store_, name=name, alias=settings.challenger_alias, version=logged.version)
    metric = PRIMARY_METRIC[target][0]
    if old_metrics is not None and pd.isna(old_metrics.get(metric)):
        old_metrics, promote, reason = None, True, "the champion could not be scored"
    else:
        promote, reason = _decide(target, result.metrics, old_metrics)
    if promote:
        model_registry.promote(settings, name=name, version=logged.version, reason=reason)
    return TargetOutcome(
        target,
        name,
        logged.version,
        logged.run_id,
        result.metrics,
        before,
        old_metrics,
        promote,
        reason,
    )


def train_and_register(
    session: Session,
    settings: Settings,
    *,
    today: dt.date,
    params: dict[str, dict[str, Any]] | None = None,
) -> TrainReport:
    """Fit both models on the stored cohort, log them, and promote each only if it is better.

    ``params`` optionally overrides LightGBM parameters per target (e.g. from
    ``cairn experiment``): ``{"readiness": {...}, "injury": {...}}``.
    """
    frame = load_feature_table(session)
    split = split_by_time(
        frame, test_fraction=0.2, athlete_fraction=0.2, random_state=settings.random_state
    )
    report = TrainReport(
        n_rows=len(frame),
        n_athletes=int(frame["athlete_id"].nunique()),
        cutoff=split.cutoff.date().isoformat(),
    )
    extra = {"split_cutoff": report.cutoff, "n_rows": len(frame), "trained_on": today.isoformat()}
    for target, fit in (("readiness", fit_readiness), ("injury", fit_injury)):
        result = fit(
            frame,
            split,
            columns=FEATURE_COLUMNS,
            random_state=settings.random_state,
            params=(params or {}).get(target),
        )
        outcome = register_result(
            settings,
            target=target,
            result=result,
            holdout=result.test,
            run_name=f"{target}-{today.isoformat()}",
            extra_params=extra,
        )
        report.outcomes.append(outcome)
    return report
