"""``cairn models list|promote|rollback``, ``cairn experiment`` and ``cairn evaluate``."""

from __future__ import annotations

import datetime as dt
import json
import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from engine.cli.common import console, fail, load_settings, open_database
from engine.errors import InsufficientDataError, ModelUnavailableError
from engine.services import model_registry
from engine.store import database

models_app = typer.Typer(help="Registered models: list, promote, roll back.", no_args_is_help=True)
# Column header -> run metric, per target (baselines scored on the same holdout).
KEY_METRICS = {
    "readiness": {
        "mae": "mae",
        "persistence mae": "baseline_persistence_mae",
        "ewma mae": "baseline_ewma_mae",
        "ridge mae": "baseline_ridge_mae",
    },
    "injury": {
        "roc auc": "roc_auc",
        "brier": "brier",
        "acwr auc": "baseline_acwr_roc_auc",
        "logistic auc": "baseline_logistic_roc_auc",
    },
}


class Target(StrEnum):
    """Which model: next-day readiness or 7-day injury risk."""

    readiness = "readiness"
    injury = "injury"


class Dataset(StrEnum):
    """Real datasets ``cairn evaluate`` knows."""

    pmdata = "pmdata"


TargetOption = Annotated[Target, typer.Option("--target", help="readiness or injury.")]


def _fmt(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.4f}"


@models_app.command("list")
def list_models(
    target: Annotated[Target | None, typer.Option("--target", help="Only this model.")] = None,
) -> None:
    """Every registered version with its aliases and key holdout metrics."""
    settings = load_settings()
    for t in [target] if target else list(Target):
        name = model_registry.model_name(settings, target=t.value)
        history = model_registry.read_history(settings, name=name)
        table = Table(title=f"{name} (champion history: {history or '-'})")
        for column in ("version", "aliases", *KEY_METRICS[t.value], "run"):
            table.add_column(column)
        for row in model_registry.list_versions(settings, name=name):
            metrics = [_fmt(row["metrics"].get(key)) for key in KEY_METRICS[t.value].values()]
            table.add_row(
                str(row["version"]), ", ".join(row["aliases"]), *metrics, row["run_id"][:8]
            )
        console.print(table)


@models_app.command()
def promote(
    version: Annotated[int, typer.Argument(min=1, help="Model version to serve.")],
    target: TargetOption = Target.readiness,
) -> None:
    """Make VERSION the champion (the old one becomes previous-champion)."""
    settings = load_settings()
    name = model_registry.model_name(settings, target=target.value)
    try:
        change = model_registry.promote(settings, name=name, version=version, reason="manual")
    except ModelUnavailableError as err:
        raise fail(str(err)) from err
    console.print(
        f"{name}: champion v{change.before} -> v{change.after} (previous: v{change.previous})"
    )


@models_app.command()
def rollback(target: TargetOption = Target.readiness) -> None:
    """Restore the previous champion (repeatable: walks back the champion history)."""
    settings = load_settings()
    name = model_registry.model_name(settings, target=target.value)
    try:
        change = model_registry.rollback(settings, name=name)
    except ModelUnavailableError as err:
        raise fail(str(err)) from err
    console.print(f"{name}: champion v{change.before} -> v{change.after} (rolled back)")


def experiment(
    trials: Annotated[int, typer.Option(min=1, help="Optuna trials.")] = 20,
    target: TargetOption = Target.readiness,
) -> None:
    """Optuna search on the stored cohort; each trial is a nested MLflow run."""
    import optuna

    from engine.evaluation.experiment import run_experiment
    from engine.services.training import load_feature_table

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    settings = load_settings()
    factory = open_database(settings)
    with console.status("Building features..."), database.open_session(factory) as session:
        frame = load_feature_table(session)
    with console.status(f"Running {trials} trials for {target.value}..."):
        report = run_experiment(
            frame, settings, target=target.value, n_trials=trials, today=dt.date.today()
        )
    console.print(
        f"Best validation {report.metric}: {report.best_validation:.4f} "
        f"(parent run {report.parent_run_id}, {report.n_trials} nested trial runs)"
    )
    console.print(f"Best parameters: {json.dumps(report.best_params, default=str)}")
    console.print(
        "On the training holdout: "
        + ", ".join(f"{k} {v:.4f}" for k, v in sorted(report.holdout.items()))
    )


def evaluate(
    dataset: Annotated[Dataset, typer.Option(help="Dataset to evaluate on.")] = Dataset.pmdata,
    path: Annotated[
        Path | None, typer.Option(help="Dataset folder (default ../shared/data/pmdata).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    closed_loop: Annotated[
        bool,
        typer.Option(
            "--closed-loop", help="Instead: coach simulated athletes (Cairn, template, ACWR rule)."
        ),
    ] = False,
    athletes: Annotated[int, typer.Option(min=1, help="Closed loop: athletes.")] = 200,
    weeks: Annotated[int, typer.Option(min=1, help="Closed loop: coached weeks.")] = 16,
    seed: Annotated[int, typer.Option(help="Closed loop: simulator seed.")] = 0,
) -> None:
    """Evaluate readiness and injury models on real data (split in time), log to MLflow."""
    if closed_loop:
        from engine.cli.plan import closed_loop_command

        closed_loop_command(athletes=athletes, weeks=weeks, seed=seed, as_json=as_json)
        return
    from engine.evaluation.pmdata import default_pmdata_path, run_pmdata_evaluation
    from engine.services.model_registry import tracking_store
    from models import tracking

    settings = load_settings()
    folder = path or default_pmdata_path(Path.cwd())

    def log(result: dict) -> None:
        r, i = result["readiness"], result["injury"]
        tracking.log_table_run(
            tracking_store(settings),
            experiment="cairn-evaluation",
            run_name=f"{dataset.value}-{dt.date.today().isoformat()}",
            params={"dataset": dataset.value, "path": str(folder), "n": r["n"]},
            metrics={
                "readiness_mae": r["mae"],
                **{f"baseline_{k}_mae": v for k, v in r["baselines"].items()},
                "injury_roc_auc": i["roc_auc"],
                "injury_roc_auc_ci_low": i["ci"][0],
                "injury_roc_auc_ci_high": i["ci"][1],
            },
            table=result,
        )

    try:
        result = run_pmdata_evaluation(folder, today=dt.date.today(), log=log)
    except (FileNotFoundError, InsufficientDataError) as err:
        raise fail(str(err)) from err
    if as_json:
        typer.echo(json.dumps(result, default=str))
        return
    r, i = result["readiness"], result["injury"]
    console.print(
        f"Readiness (0-10), n={r['n']} athlete-days: MAE {r['mae']:.3f} | persistence "
        f"{r['baselines']['persistence']:.3f} | EWMA {r['baselines']['ewma']:.3f}"
    )
    console.print(
        f"Injury: ROC AUC {i['roc_auc']:.3f} (95% CI {i['ci'][0]:.3f}-{i['ci'][1]:.3f}), "
        f"{i['n_events']} injury reports in the test window"
    )


def register(app: typer.Typer) -> None:
    """Attach ``models``, ``experiment`` and ``evaluate`` to the ``cairn`` app."""
    app.add_typer(models_app, name="models")
    app.command()(experiment)
    app.command()(evaluate)
