"""``cairn evaluate --source db`` and ``--dataset pmdata`` (import, then the same evaluation)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from engine.cli.common import console, fail, load_settings, open_database
from engine.errors import InsufficientDataError
from engine.store import database

PMDATA_CUTOFF = dt.date(2020, 2, 15)


def parse_athletes(value: str | None) -> list[int] | None:
    """``--athletes 1,2,3`` as ids (None: every athlete)."""
    if value is None:
        return None
    try:
        ids = [int(part) for part in value.split(",") if part.strip()]
    except ValueError as err:
        raise fail(f"--athletes: expected ids like 1,2,3, got {value!r}", code=2) from err
    if not ids or min(ids) < 1:
        raise fail(f"--athletes: expected positive ids like 1,2,3, got {value!r}", code=2)
    return ids


def _check_split(cutoff: str | None, test_fraction: float | None) -> dt.date | None:
    if cutoff is not None and test_fraction is not None:
        raise fail("give --cutoff or --test-fraction, not both", code=2)
    if test_fraction is not None and not 0 < test_fraction < 1:
        raise fail(f"--test-fraction must be between 0 and 1, got {test_fraction}", code=2)
    if cutoff is None:
        return None
    try:
        return dt.date.fromisoformat(cutoff)
    except ValueError as err:
        raise fail(f"--cutoff: expected YYYY-MM-DD, got {cutoff!r}", code=2) from err


def run_db_evaluation(
    *,
    cutoff: str | None,
    test_fraction: float | None,
    athletes: list[int] | None,
    as_json: bool,
    run_name: str = "db",
    imputed: str = "drop",
) -> dict:
    """Evaluate on the database, log an MLflow evaluation run with plots, print the result."""
    from engine.evaluation.db_evaluation import (
        evaluate_frame,
        evaluation_figures,
        evaluation_metrics,
        read_evaluation_frame,
    )
    from engine.services.model_registry import tracking_store
    from models import tracking

    day = _check_split(cutoff, test_fraction)
    settings = load_settings()
    factory = open_database(settings)
    try:
        with console.status("Building features..."), database.open_session(factory) as session:
            frame, source = read_evaluation_frame(session, athletes=athletes, imputed=imputed)
        with console.status("Fitting before the cut-off, scoring after it..."):
            result, fits = evaluate_frame(
                frame,
                label_source=source,
                cutoff=day,
                test_fraction=test_fraction,
                random_state=settings.random_state,
            )
    except (InsufficientDataError, ValueError) as err:
        raise fail(str(err)) from err
    store = tracking_store(settings)
    run_id = tracking.log_table_run(
        store,
        experiment="cairn-evaluation",
        run_name=f"{run_name}-{dt.date.today().isoformat()}",
        params={
            "source": run_name,
            "cutoff": result["split"]["cutoff"],
            "athletes": ",".join(map(str, athletes)) if athletes else "all",
            "label_source": source,
            "imputed_labels": imputed,
        },
        metrics=evaluation_metrics(result),
        table=result,
    )
    tracking.log_figures(store, run_id=run_id, figures=evaluation_figures(fits))
    if as_json:
        typer.echo(json.dumps(result))
    else:
        print_result(result)
    if all("skipped" in result[t] for t in ("readiness", "injury")):
        raise typer.Exit(code=1)  # too little data for either target (reasons printed)
    return result


def print_result(result: dict) -> None:
    """Readable lines of an evaluation result."""
    r, i = result["readiness"], result["injury"]
    console.print(f"Split at {result['split']['cutoff']}, {result['split']['n_athletes']} athletes")
    if "skipped" in r:
        console.print(f"Readiness: skipped ({r['skipped']})")
    else:
        bases = ", ".join(f"{k} {v:.3f}" for k, v in r["baselines"].items() if v is not None)
        console.print(
            f"Readiness (0-10), n={r['n']}: {r['family']} MAE {r['mae']:.3f} | {bases} | "
            f"vs {r['best_baseline']}: {r['diff_ci']}"
        )
    if "skipped" in i:
        console.print(f"Injury: skipped ({i['skipped']})")
    else:
        bases = ", ".join(f"{k} {v:.3f}" for k, v in i["baselines"].items() if v is not None)
        console.print(
            f"Injury: {i['family']} ROC AUC {i['roc_auc']:.3f}, {i['n_events']} onsets | {bases} "
            f"| vs {i['best_baseline']}: {i['diff_ci']}"
        )


def run_pmdata(
    folder: Path, *, cutoff: str | None, test_fraction: float | None, as_json: bool
) -> dict:
    """Import the PMData folder (idempotent), then evaluate on its athletes."""
    from engine.evaluation.db_evaluation import read_athlete_ids
    from engine.services.imports import ImportOptions, import_paths

    if not folder.exists():
        raise fail(f"no PMData folder at {folder}; pass --path")
    settings = load_settings()
    factory = open_database(settings)
    with console.status(f"Importing {folder}..."):
        summary = import_paths(
            factory,
            items=[(str(folder), folder)],
            options=ImportOptions(athlete_id=None, format="pmdata", skip_invalid=True),
            today=dt.date.today(),
        )
    failed = [f for f in summary.files if f.status == "failed"]
    if failed:
        raise fail(f"PMData import failed: {failed[0].error}")
    with database.open_session(factory) as session:
        ids = read_athlete_ids(session, ref_prefix="pmdata:")
    if cutoff is None and test_fraction is None:
        cutoff = PMDATA_CUTOFF.isoformat()
    return run_db_evaluation(
        cutoff=cutoff, test_fraction=test_fraction, athletes=ids, as_json=as_json, run_name="pmdata"
    )
