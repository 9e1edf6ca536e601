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
from engine.errors import ModelUnavailableError
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
    register: Annotated[
        bool,
        typer.Option(
            "--register/--no-register",
            help="Retrain with the best trial's parameters and register it as a challenger "
            "through the training gate (the parent run is tagged with the version).",
        ),
    ] = True,
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
    if register:
        _register_best(settings, factory, report)


def _register_best(settings, factory, report) -> None:  # noqa: ANN001
    """The best trial's parameters through ``cairn train``'s gate, for one target."""
    from engine.services.model_registry import tracking_store
    from engine.services.training import train_and_register
    from models import tracking

    with (
        console.status("Registering the best trial as a challenger..."),
        database.open_session(factory) as session,
    ):
        trained = train_and_register(
            session,
            settings,
            today=dt.date.today(),
            params={report.target: report.best_params},
            targets=(report.target,),
            extra_params={"search_run_id": report.parent_run_id},
        )
    for outcome in trained.outcomes:
        tracking.set_run_tag(
            tracking_store(settings),
            run_id=report.parent_run_id,
            key="registered_version",
            value=str(outcome.version),
        )
        state = "promoted to champion" if outcome.promoted else "challenger only"
        console.print(f"Registered {outcome.name} v{outcome.version} ({state}: {outcome.reason})")
    for target, reason in trained.skipped.items():
        console.print(f"{target}: skipped ({reason})")


class ImputedLabels(StrEnum):
    """Training labels for days without a self-report: dropped, or the mapped composite."""

    drop = "drop"
    scaled = "scaled"


class Source(StrEnum):
    """Where ``cairn evaluate`` reads its data."""

    db = "db"


def evaluate(
    dataset: Annotated[
        Dataset, typer.Option(help="Dataset to import, then evaluate on.")
    ] = Dataset.pmdata,
    path: Annotated[
        Path | None, typer.Option(help="Dataset folder (default ../shared/data/pmdata).")
    ] = None,
    source: Annotated[
        Source | None,
        typer.Option("--source", help="db: evaluate on what the database holds (no import)."),
    ] = None,
    cutoff: Annotated[
        str | None, typer.Option(help="Fit before this day, score from it on (YYYY-MM-DD).")
    ] = None,
    test_fraction: Annotated[
        float | None,
        typer.Option("--test-fraction", help="Or: score the last share of labelled days."),
    ] = None,
    athletes_ids: Annotated[
        str | None,
        typer.Option("--athletes", help="Only these athlete ids (1,2,3); closed loop: a count."),
    ] = None,
    imputed_labels: Annotated[
        ImputedLabels | None,
        typer.Option(
            "--imputed-labels",
            help="--source db: also train on composites mapped onto the athlete's report scale "
            "(flagged; never scored).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    closed_loop: Annotated[
        bool,
        typer.Option(
            "--closed-loop", help="Instead: coach simulated athletes (Cairn, template, ACWR rule)."
        ),
    ] = False,
    weeks: Annotated[int, typer.Option(min=1, help="Closed loop: coached weeks.")] = 16,
    seed: Annotated[int, typer.Option(help="Closed loop: simulator seed.")] = 0,
    races: Annotated[
        bool,
        typer.Option(
            "--races",
            help="Closed loop: give every athlete an A race and report race-day form.",
        ),
    ] = False,
) -> None:
    """Evaluate readiness and injury models on real data (split in time), log to MLflow.

    ``--source db`` fits on the database's days before the cut-off and scores after it;
    ``--dataset pmdata`` imports PMData first and evaluates on its athletes (cut-off
    2020-02-15). Exit codes: 0 done, 1 too little data, 2 bad usage.
    """
    from engine.cli.evaluate import parse_athletes, run_db_evaluation, run_pmdata

    if closed_loop:
        from engine.cli.plan import closed_loop_command

        count = int(athletes_ids) if athletes_ids and athletes_ids.isdigit() else 200
        if athletes_ids is not None and (not athletes_ids.isdigit() or count < 1):
            raise fail(
                f"--athletes: the closed loop needs a count >= 1, got {athletes_ids!r}", code=2
            )
        closed_loop_command(athletes=count, weeks=weeks, seed=seed, as_json=as_json, races=races)
        return
    if source is Source.db:
        run_db_evaluation(
            cutoff=cutoff,
            test_fraction=test_fraction,
            athletes=parse_athletes(athletes_ids),
            as_json=as_json,
            imputed=(imputed_labels or ImputedLabels.drop).value,
        )
        return
    from engine.evaluation.pmdata import default_pmdata_path

    folder = path or default_pmdata_path(Path.cwd())
    run_pmdata(folder, cutoff=cutoff, test_fraction=test_fraction, as_json=as_json)


def register(app: typer.Typer) -> None:
    """Attach ``models``, ``experiment`` and ``evaluate`` to the ``cairn`` app."""
    from engine.cli.compare import compare_versions

    models_app.command("compare")(compare_versions)
    app.add_typer(models_app, name="models")
    app.command()(experiment)
    app.command()(evaluate)
