"""Batch training: store -> features -> families -> gate -> MLflow -> champion decision.

Per target, the candidate families compete on folds inside the training period; the chosen
one is scored on the holdout next to every baseline. The version registered (``challenger``)
is the chosen family, or the strongest baseline when the chosen family does not beat it (a
simple model is a real model). It becomes ``champion`` only when it also beats the current
champion on the same holdout. Both targets are fitted before anything is registered, and a
target that cannot be trained is skipped with a one-line reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from engine.services import model_registry
from engine.services.feature_store import read_training_table
from engine.services.model_registry import tracking_store
from engine.settings import Settings
from models import tracking
from models.estimators import TRUSTED_TYPES
from models.evaluate import classification_metrics, regression_metrics, split_by_time
from models.families import best_of, better, paired_bootstrap, predict_family, score
from models.labels import add_readiness_labels
from models.plots import residuals_figure
from models.selection import SPECS, TargetFit, TargetSkipped, fit_target, target_rows
from pipelines.features import FEATURE_COLUMNS

# LightGBM parameters that ``cairn experiment`` searches and ``--params-from`` carries over.
TUNABLE = {
    "n_estimators": int,
    "learning_rate": float,
    "num_leaves": int,
    "min_child_samples": int,
    "reg_lambda": float,
    "colsample_bytree": float,
    "subsample": float,
    "scale_pos_weight": float,
}
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
    family: str = ""
    value: float = float("nan")
    served_metric: float = float("nan")
    baselines: dict[str, float] = field(default_factory=dict)
    best_baseline: str | None = None
    diff_ci: list[float] = field(default_factory=list)
    served_version: int | None = None


@dataclass
class TrainReport:
    """Both targets' outcomes plus the data used; ``skipped`` maps a target to its reason."""

    n_rows: int
    n_athletes: int
    cutoff: str
    outcomes: list[TargetOutcome] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    label_source: str = "self"


def load_feature_table(session: Session) -> pd.DataFrame:
    """The whole cohort's daily feature table, read from the feature store (the same rows as
    ``build_daily_features`` over all logs, profiles and sets; dirty athletes refreshed first)."""
    return read_training_table(session)


def _champion(
    settings: Settings, name: str, fit: TargetFit
) -> tuple[int | None, np.ndarray | None]:
    """The champion's version and its forecasts on the holdout (None when unusable)."""
    store_ = tracking_store(settings)
    version = tracking.read_alias_version(store_, name=name, alias=settings.champion_alias)
    if version is None:
        return None, None
    try:
        model = tracking.load_model(store_, name=name, alias=settings.champion_alias)
        return version, predict_family(fit.spec, model, fit.holdout)
    except Exception:  # noqa: BLE001 - an unloadable or incompatible champion is replaced
        return version, None


def _full_metrics(fit: TargetFit, pred: np.ndarray) -> dict[str, float]:
    if fit.spec.target == "readiness":
        metrics = regression_metrics(fit.y, pred)
        for name, base in fit.baseline_preds.items():
            metrics |= regression_metrics(fit.y, base, prefix=f"baseline_{name}_")
        return metrics
    metrics = classification_metrics(fit.y.astype(int), pred)
    for name, base in fit.baseline_preds.items():
        metrics |= classification_metrics(fit.y.astype(int), base, prefix=f"baseline_{name}_")
    return metrics


@dataclass
class _Candidate:
    family: str
    model: Any
    pred: np.ndarray
    value: float
    note: str


def _candidate(fit: TargetFit) -> _Candidate:
    """The chosen family, or the strongest baseline when the chosen family does not beat it."""
    best = fit.best_baseline
    if best is None or best == fit.family or better(fit.spec, fit.value, fit.baselines[best]):
        return _Candidate(fit.family, fit.model, fit.pred, fit.value, "")
    note = (
        f"{fit.family} ({fit.value:.4f}) does not beat the {best} baseline "
        f"({fit.baselines[best]:.4f}); the baseline is registered instead"
    )
    return _Candidate(
        best, fit.baseline_models[best], fit.baseline_preds[best], fit.baselines[best], note
    )


def _gate(
    fit: TargetFit, cand: _Candidate, champion: np.ndarray | None, before: int | None
) -> tuple[bool, str, float]:
    """Promote? The reason, and the champion's metric on the holdout (NaN when none)."""
    metric = fit.spec.metric
    if before is None:
        return True, "no champion yet", float("nan")
    if champion is None:
        return True, "the champion could not be scored on this holdout", float("nan")
    old = float(_score(fit, champion))
    wins = better(fit.spec, cand.value, old)
    verdict = "beats" if wins else "does not beat"
    return (
        wins,
        f"{metric} {cand.value:.4f} {verdict} the champion's {old:.4f} on the same holdout",
        old,
    )


def _score(fit: TargetFit, pred: np.ndarray) -> float:
    return score(fit.spec, fit.y, pred)


def _figures(fit: TargetFit, cand: _Candidate) -> dict[str, Any]:
    if fit.spec.target != "readiness":
        from models.evaluate import calibration_table
        from models.plots import calibration_figure

        y = fit.y.astype(int)
        if len(np.unique(y)) < 2:
            return {}
        curves = {cand.family: calibration_table(y, cand.pred)}
        curves |= {
            k: calibration_table(y, p) for k, p in fit.baseline_preds.items() if k != cand.family
        }
        return {"calibration.png": calibration_figure(curves, title="7-day injury, holdout")}
    return {
        "residuals.png": residuals_figure(fit.y, cand.pred, title="Next-day readiness, holdout")
    }


def register_fit(
    settings: Settings,
    *,
    fit: TargetFit,
    run_name: str,
    extra_params: dict[str, Any],
    defer_promotion: bool = False,
) -> TargetOutcome:
    """Register the candidate of ``fit`` as ``challenger``; promote it when it passes the gate.

    With ``defer_promotion`` the decision is only recorded (``promoted``); the caller promotes
    once every target of the run is registered (``promote_outcomes``).
    """
    store_ = tracking_store(settings)
    target, metric = fit.spec.target, fit.spec.metric
    name = model_registry.model_name(settings, target=target)
    cand = _candidate(fit)
    before, champion_pred = _champion(settings, name, fit)
    promote, reason, old = _gate(fit, cand, champion_pred, before)
    rivals = {k: v for k, v in fit.baselines.items() if k != cand.family}
    best = best_of(fit.spec, rivals)  # the strongest baseline other than the registered family
    groups = fit.holdout["athlete_id"].to_numpy()
    diff_ci = (
        list(paired_bootstrap(fit.spec, fit.y, cand.pred, fit.baseline_preds[best], groups=groups))
        if best is not None
        else [float("nan"), float("nan")]
    )
    metrics = _full_metrics(fit, cand.pred) | {
        f"diff_{best or 'baseline'}_ci_low": diff_ci[0],
        f"diff_{best or 'baseline'}_ci_high": diff_ci[1],
        **{f"validation_{k}_{metric}": v for k, v in fit.validation.items()},
    }
    if champion_pred is not None:
        metrics[f"champion_{metric}"] = old
    logged = tracking.log_model_run(
        store_,
        experiment=f"cairn-{target}",
        run_name=run_name,
        model=cand.model,
        params={
            **extra_params,
            "family": cand.family,
            "chosen_family": fit.family,
            "best_baseline": best,
            "n_train": fit.n_train,
            "n_holdout": len(fit.holdout),
            **_lightgbm_params(cand.model),
        },
        metrics=metrics,
        X_example=fit.train[list(FEATURE_COLUMNS)].astype(float),
        train_frame=fit.train[[*FEATURE_COLUMNS, "athlete_id", "date"]].tail(50_000),
        registered_name=name,
        figures=_figures(fit, cand),
        tags={"target": target, "family": cand.family, "note": cand.note or "-"},
        trusted_types=TRUSTED_TYPES,
    )
    assert logged.version is not None
    tracking.set_alias(store_, name=name, alias=settings.challenger_alias, version=logged.version)
    tracking.set_version_tag(
        store_, name=name, version=logged.version, key="family", value=cand.family
    )
    if promote and not defer_promotion:
        model_registry.promote(settings, name=name, version=logged.version, reason=reason)
    served = logged.version if promote else before
    return TargetOutcome(
        target=target,
        name=name,
        version=logged.version,
        run_id=logged.run_id,
        metrics=metrics,
        champion_before=before,
        champion_metrics={metric: old} if champion_pred is not None else None,
        promoted=promote,
        reason="; ".join(r for r in (cand.note, reason) if r),
        family=cand.family,
        value=cand.value,
        served_metric=cand.value if promote else old,
        baselines=dict(fit.baselines),
        best_baseline=best,
        diff_ci=diff_ci,
        served_version=served,
    )


def _lightgbm_params(model: Any) -> dict[str, Any]:
    """The LightGBM parameters of a served LightGBM family ({} for the simple families)."""
    from models.estimators import lightgbm_models

    found = next(lightgbm_models(model), None)
    if found is None:
        return {}
    return {k: v for k, v in found.get_params().items() if k in TUNABLE}


def prepare_frame(frame: pd.DataFrame, *, imputed: str = "drop") -> tuple[pd.DataFrame, str]:
    """The feature table with honest readiness labels (see ``models.labels``)."""
    return add_readiness_labels(frame, imputed=imputed)


def fit_targets(
    frame: pd.DataFrame,
    *,
    random_state: int,
    params: dict[str, dict[str, Any]] | None = None,
    families: dict[str, str] | None = None,
    targets: tuple[str, ...] = tuple(SPECS),
) -> tuple[pd.Timestamp | None, dict[str, TargetFit], dict[str, str]]:
    """Split, then fit each target; returns the cut-off, the fits and the skip reasons."""
    fits: dict[str, TargetFit] = {}
    skipped: dict[str, str] = {}
    labelled = target_rows(SPECS["readiness"], frame) | target_rows(SPECS["injury"], frame)
    if not labelled.any():
        reason = "no labelled athlete-days (log check-ins on consecutive days first)"
        return None, {}, dict.fromkeys(SPECS, reason)
    split = split_by_time(
        frame,
        test_fraction=0.2,
        athlete_fraction=0.2,
        random_state=random_state,
        labelled=labelled,
    )
    for target, spec in SPECS.items():
        if target not in targets:
            continue
        try:
            fits[target] = fit_target(
                spec,
                frame,
                split,
                columns=FEATURE_COLUMNS,
                random_state=random_state,
                params=(params or {}).get(target),
                family=(families or {}).get(target),
            )
        except TargetSkipped as err:
            skipped[target] = str(err)
    return split.cutoff, fits, skipped


def train_and_register(
    session: Session,
    settings: Settings,
    *,
    today: dt.date,
    params: dict[str, dict[str, Any]] | None = None,
    imputed: str = "drop",
    extra_params: dict[str, Any] | None = None,
    targets: tuple[str, ...] = tuple(SPECS),
) -> TrainReport:
    """Fit both targets on the stored cohort, log them, and promote each only through the gate.

    ``params`` optionally overrides LightGBM parameters per target (e.g. from
    ``cairn experiment``): ``{"readiness": {...}, "injury": {...}}``.
    """
    frame, source = prepare_frame(load_feature_table(session), imputed=imputed)
    cutoff, fits, skipped = fit_targets(
        frame, random_state=settings.random_state, params=params, targets=targets
    )
    report = TrainReport(
        n_rows=len(frame),
        n_athletes=int(frame["athlete_id"].nunique()) if len(frame) else 0,
        cutoff=cutoff.date().isoformat() if cutoff is not None else "-",
        skipped=skipped,
        label_source=source,
    )
    extra = {
        "split_cutoff": report.cutoff,
        "n_rows": len(frame),
        "trained_on": today.isoformat(),
        "label_source": source,
        "imputed_labels": imputed,
        **(extra_params or {}),
    }
    for target, fit in fits.items():
        run_name = f"{target}-{today.isoformat()}"
        report.outcomes.append(
            register_fit(
                settings, fit=fit, run_name=run_name, extra_params=extra, defer_promotion=True
            )
        )
    promote_outcomes(settings, report.outcomes)  # only once every target is registered
    return report


def promote_outcomes(settings: Settings, outcomes: list[TargetOutcome]) -> None:
    """Move ``champion`` for every outcome whose gate said so."""
    for outcome in outcomes:
        if outcome.promoted and outcome.version is not None:
            model_registry.promote(
                settings, name=outcome.name, version=outcome.version, reason=outcome.reason
            )


def report_json(report: TrainReport) -> dict[str, Any]:
    """The ``cairn train --json`` contract (see docs/models.md)."""
    rows: list[dict[str, Any]] = []
    trained = {o.target for o in report.outcomes} | set(report.skipped)
    for target in [t for t in SPECS if t in trained]:
        outcome = next((o for o in report.outcomes if o.target == target), None)
        if outcome is None:
            rows.append({"target": target, "skipped": report.skipped.get(target, "not trained")})
            continue
        rows.append(
            {
                "target": target,
                "metric": SPECS[target].metric,
                "family": outcome.family,
                "value": _num(outcome.value),
                "served_metric": _num(outcome.served_metric),
                "baselines": {k: _num(v) for k, v in outcome.baselines.items()},
                "best_baseline": outcome.best_baseline,
                "diff_ci": [_num(v) for v in outcome.diff_ci],
                "promoted": outcome.promoted,
                "served_version": outcome.served_version,
            }
        )
    return {"targets": rows}


def _num(value: float) -> float | None:
    return float(value) if value is not None and np.isfinite(value) else None


def params_from_run(settings: Settings, *, run_id: str) -> tuple[str, dict[str, Any]]:
    """(target, LightGBM parameters) of a logged run: a training run, a trial or a search.

    A search's parent run logs ``best_<name>``; trials and training runs log ``<name>``.
    Raises ``ValueError`` naming the run when it holds no such parameters.
    """
    params = tracking.read_run_params(tracking_store(settings), run_id=run_id)
    found: dict[str, Any] = {}
    for key, cast in TUNABLE.items():
        raw = params.get(f"best_{key}", params.get(key))
        if raw not in (None, "None"):
            found[key] = cast(float(raw)) if cast is int else cast(raw)
    if not found:
        raise ValueError(f"run {run_id} logged no LightGBM parameters ({', '.join(TUNABLE)})")
    target = params.get("target")
    if target not in SPECS:
        metric_names = set(tracking.read_run_metrics(tracking_store(settings), run_id=run_id))
        target = "injury" if any("roc_auc" in m for m in metric_names) else "readiness"
    return target, found
