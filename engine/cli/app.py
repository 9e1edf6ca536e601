"""The ``cairn`` command line: demo, simulate, train, recommend, serve."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from engine.cli.common import console, fail, load_settings, open_database, parse_date, parse_day
from engine.errors import AthleteNotFoundError
from engine.log_setup import quiet_library_loggers
from engine.settings import Settings
from engine.store import accounts, database, logbook

app = typer.Typer(
    help="Cairn: adaptive coaching for trail runners who also lift.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _quiet_libraries() -> None:
    """Before every command: MLflow and Alembic INFO lines stay out of the output."""
    quiet_library_loggers()


DEMO_ATHLETES = 200
DEMO_DAYS = 365
DEMO_SEED = 7


def _simulate(
    settings: Settings,
    factory,
    *,
    athletes: int,
    days: int,
    seed: int,  # noqa: ANN001
    end: dt.date,
) -> dict[str, int]:
    from engine.services.simulation import save_cohort
    from pipelines.simulator.cohort import simulate_cohort

    start = end - dt.timedelta(days=days)
    with console.status(f"Simulating {athletes} athletes x {days} days (seed {seed})..."):
        cohort = simulate_cohort(n_athletes=athletes, n_days=days, seed=seed, start=start)
    with (
        console.status("Writing the cohort to the database..."),
        database.open_session(factory) as session,
    ):
        counts = save_cohort(session, cohort, seed=seed, hidden_dir=settings.data_dir / "interim")
    return counts


@app.command()
def simulate(
    athletes: Annotated[int, typer.Option(min=1, help="Number of athletes.")] = 50,
    days: Annotated[int, typer.Option(min=30, help="Days of history per athlete.")] = 365,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same cohort).")] = 0,
    end: Annotated[str | None, typer.Option(help="Last simulated day + 1 (YYYY-MM-DD).")] = None,
) -> None:
    """Simulate a cohort of athletes and write it into the database."""
    settings = load_settings()
    factory = open_database(settings)
    counts = _simulate(
        settings, factory, athletes=athletes, days=days, seed=seed, end=parse_date(end)
    )
    console.print(f"Simulated and stored: {counts}")


def _print_train_report(report) -> None:  # noqa: ANN001
    table = Table(
        title=f"Training on {report.n_rows} athlete-days, holdout from {report.cutoff} "
        f"(readiness labels: {report.label_source})"
    )
    for column in ("model", "new version", "family", "metric", "new", "best baseline", "served"):
        table.add_column(column)
    for o in report.outcomes:
        metric = "mae" if o.target == "readiness" else "roc_auc"
        base = o.baselines.get(o.best_baseline, float("nan")) if o.best_baseline else float("nan")
        served = f"v{o.served_version} ({'promoted' if o.promoted else 'kept'})"
        table.add_row(
            o.target,
            f"v{o.version}",
            o.family,
            metric,
            f"{o.value:.4f}",
            f"{o.best_baseline} {base:.4f}" if o.best_baseline else "-",
            served,
        )
    console.print(table)
    for o in report.outcomes:
        console.print(f"  {o.name}: {'promoted' if o.promoted else 'not promoted'} ({o.reason})")
    for target, reason in report.skipped.items():
        console.print(f"  {target}: skipped ({reason})")


def _train(settings: Settings, factory, *, as_json: bool = False, **options) -> None:  # noqa: ANN001, ANN003
    from engine.services.training import report_json, train_and_register

    with (
        console.status("Building features and training both models..."),
        database.open_session(factory) as session,
    ):
        report = train_and_register(session, settings, today=dt.date.today(), **options)
    if as_json:
        typer.echo(json.dumps(report_json(report)))
    else:
        _print_train_report(report)
    if not report.outcomes:
        raise typer.Exit(code=1)


@app.command()
def train(
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON contract.")] = False,
    params_from: Annotated[
        str | None,
        typer.Option(
            "--params-from",
            help="Retrain that run's target with its LightGBM parameters (an experiment's "
            "parent run, a trial or a training run).",
        ),
    ] = None,
) -> None:
    """Train both models, log them to MLflow, promote each only through the gate.

    Exit codes: 0 trained (a skipped target is explained in one line), 1 nothing could be
    trained (every target skipped), 2 bad usage.
    """
    from engine.services.population import ensure_population_models
    from engine.services.training import params_from_run

    settings = load_settings()
    factory = open_database(settings)
    options: dict = {}
    if params_from is not None:
        try:
            target, params = params_from_run(settings, run_id=params_from)
        except ValueError as err:
            raise fail(f"--params-from: {err}", code=2) from err
        options = {
            "params": {target: params},
            "targets": (target,),
            "extra_params": {"params_from": params_from},
        }
    with console.status("Checking the day-one population models..."):
        ensure_population_models(settings)
    _train(settings, factory, as_json=as_json, **options)


def _recommendation(settings: Settings, factory, athlete: int, today: dt.date | None):  # noqa: ANN001, ANN202
    from engine.services.calendar import athlete_today
    from engine.services.champion_cache import load_served_champions, read_cached_versions
    from engine.services.recommendation import read_prepared_answer, recommend_for

    served = read_cached_versions(settings)
    with database.open_session(factory) as session:
        if today is None:
            today = athlete_today(session, athlete_id=athlete, settings=settings)
        if served is not None:  # a prepared answer needs the champions' versions only
            versions, source = served
            ready = read_prepared_answer(
                session,
                athlete_id=athlete,
                today=today,
                versions=versions,
                source=source,
                settings=settings,
            )
            if ready is not None:
                return ready
    models = load_served_champions(settings)
    with database.open_session(factory) as session:
        return recommend_for(
            session, athlete_id=athlete, today=today, models=models, settings=settings
        )


def _print_recommendation(rec) -> None:  # noqa: ANN001
    from engine.cli.render import print_recommendation

    print_recommendation(console, rec)


@app.command()
def recommend(
    athlete: Annotated[int, typer.Option(help="Athlete id.")],
    date: Annotated[str | None, typer.Option(help="Day (YYYY-MM-DD); default today.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON contract.")] = False,
    fit: Annotated[
        Path | None, typer.Option(help="Also write the session as a FIT workout to this file.")
    ] = None,
) -> None:
    """Recommend today's session for one athlete, with the prescription and the reasons."""
    settings = load_settings()
    factory = open_database(settings)
    try:
        rec = _recommendation(settings, factory, athlete, parse_day(date))
    except AthleteNotFoundError as err:
        raise fail(str(err)) from err
    if as_json:
        typer.echo(json.dumps(rec.to_dict(), indent=2))
    else:
        _print_recommendation(rec)
    if fit is not None:
        _write_fit(rec, fit, quiet=as_json)


def _write_fit(rec, path: Path, *, quiet: bool) -> None:  # noqa: ANN001
    from engine.cli.render import NoWorkoutError, write_fit

    try:
        done = write_fit(rec, path)
    except NoWorkoutError as err:
        raise fail(f"{err}; nothing written to {path}") from err
    except OSError as err:
        raise fail(f"cannot write {path}: {err.strerror or err}; check the folder exists") from err
    if not quiet:
        console.print(done)


def _prepare_answers(settings: Settings, factory, day: dt.date) -> None:  # noqa: ANN001
    """The nightly batch with answers (``cairn nightly --answers``) for ``day``."""
    from engine.services.champion_cache import load_served_champions
    from engine.services.nightly import run_nightly

    models = load_served_champions(settings)
    with console.status("Nightly batch: scoring and answering every athlete's morning..."):
        report = run_nightly(factory, day=day, models=models, answers=settings)
    console.print(
        f"Nightly batch (cairn nightly --answers): {report.answers_prepared} answers "
        f"ready in {report.seconds['total']:.1f} s"
    )


@app.command()
def demo() -> None:
    """Simulate a cohort (first run only), train, and show today's session for athlete 1."""
    settings = load_settings()
    factory = open_database(settings)
    with database.open_session(factory) as session:
        n_athletes = logbook.count_rows(session)["athlete"]
    if n_athletes == 0:
        counts = _simulate(
            settings,
            factory,
            athletes=DEMO_ATHLETES,
            days=DEMO_DAYS,
            seed=DEMO_SEED,
            end=dt.date.today(),
        )
        console.print(f"Simulated {counts['athletes']} athletes: {counts}")
    else:
        console.print(f"Using the {n_athletes} athletes already in {settings.database_url}")
    _train(settings, factory)
    _prepare_answers(settings, factory, dt.date.today())
    _print_recommendation(_recommendation(settings, factory, 1, dt.date.today()))
    with database.open_session(factory) as session:
        password = accounts.ensure_demo_user(session, athlete_id=1)
    console.print(
        "\nNext steps:\n"
        "  cairn recommend --athlete 1 --json   # the same answer as JSON\n"
        "  cairn serve --demo                   # the API on http://127.0.0.1:8000 (see /docs)\n"
        f"  mlflow ui --backend-store-uri {settings.mlflow_tracking_uri}   # runs and registry\n"
        f"\nDemo login (athlete 1; the password is reset by every `cairn demo`): "
        f"demo / {password}\n"
        "  curl -s -X POST http://127.0.0.1:8000/auth/token "
        f"-d username=demo -d password={password}\n"
        "  curl -s -H 'Authorization: Bearer <access_token>' "
        "http://127.0.0.1:8000/athletes/1/recommendation\n"
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    demo: Annotated[
        bool, typer.Option("--demo", help="Local demo: loopback only, generated secret.")
    ] = False,
) -> None:
    """Serve the HTTP API (uvicorn). Needs CAIRN_SECRET_KEY unless --demo."""
    import uvicorn

    from engine.cli.users import prepare_serving
    from engine.services.population import ensure_population_models

    prepare_serving(host=host, demo=demo)
    settings = load_settings()
    open_database(settings)  # create or migrate the database before serving
    ensure_population_models(settings)  # a model from day one
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        log_config=None,  # the app logs JSON lines (api.observability)
        access_log=False,  # replaced by the api.access log line with the request id
        timeout_graceful_shutdown=30,
    )
