"""The ``cairn`` command line: demo, simulate, train, recommend, serve."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer
from rich.table import Table

from engine.cli.common import console, fail, load_settings, open_database, parse_date
from engine.errors import AthleteNotFoundError
from engine.settings import Settings
from engine.store import accounts, database, logbook

app = typer.Typer(
    help="Cairn: adaptive coaching for trail runners who also lift.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

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
    table = Table(title=f"Training on {report.n_rows} athlete-days, holdout from {report.cutoff}")
    for column in ("model", "new version", "metric", "new", "baseline", "champion", "served"):
        table.add_column(column)
    for o in report.outcomes:
        metric = "mae" if o.target == "readiness" else "roc_auc"
        base_key = (
            "baseline_persistence_mae" if o.target == "readiness" else "baseline_acwr_roc_auc"
        )
        old = (
            f"v{o.champion_before} {o.champion_metrics[metric]:.4f}" if o.champion_metrics else "-"
        )
        served = f"v{o.version} (promoted)" if o.promoted else f"v{o.champion_before} (kept)"
        table.add_row(
            o.target,
            f"v{o.version}",
            metric,
            f"{o.metrics[metric]:.4f}",
            f"{o.metrics[base_key]:.4f}",
            old,
            served,
        )
    console.print(table)
    for o in report.outcomes:
        console.print(f"  {o.name}: {'promoted' if o.promoted else 'not promoted'} ({o.reason})")


def _train(settings: Settings, factory) -> None:  # noqa: ANN001
    from engine.services.training import train_and_register

    with (
        console.status("Building features and training both models..."),
        database.open_session(factory) as session,
    ):
        report = train_and_register(session, settings, today=dt.date.today())
    _print_train_report(report)


@app.command()
def train() -> None:
    """Train both models, log them to MLflow, promote each only if it beats the champion."""
    settings = load_settings()
    _train(settings, open_database(settings))


def _recommendation(settings: Settings, factory, athlete: int, today: dt.date):  # noqa: ANN001, ANN202
    from engine.services.champion_cache import load_champions_cached
    from engine.services.recommendation import recommend_for

    models = load_champions_cached(settings)
    with database.open_session(factory) as session:
        return recommend_for(
            session, athlete_id=athlete, today=today, models=models, settings=settings
        )


def _print_recommendation(rec) -> None:  # noqa: ANN001
    s = rec.session
    table = Table(
        title=f"Today's session for athlete {rec.athlete_id} ({rec.date.isoformat()})",
        show_header=False,
    )
    table.add_column("field", style="bold")
    table.add_column("value")
    table.add_row("Session", f"{s['type'].replace('_', ' ')} ({s['kind']}, {s['intensity']})")
    table.add_row("Duration", f"{s['duration_min']:.0f} min")
    table.add_row("Target RPE", f"{s['target_rpe']:.0f} / 10")
    table.add_row("Predicted readiness tomorrow", f"{rec.predicted['readiness']:.0f} / 100")
    table.add_row("Injury risk, next 7 days", f"{100 * rec.predicted['injury_risk']:.1f} %")
    table.add_row("Models", ", ".join(f"{k} v{v}" for k, v in rec.model_versions.items()))
    for i, reason in enumerate(rec.reasons, start=1):
        table.add_row("Why" if i == 1 else "", f"- {reason}")
    console.print(table)


@app.command()
def recommend(
    athlete: Annotated[int, typer.Option(help="Athlete id.")],
    date: Annotated[str | None, typer.Option(help="Day (YYYY-MM-DD); default today.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON contract.")] = False,
) -> None:
    """Recommend today's session for one athlete, with the reasons."""
    settings = load_settings()
    factory = open_database(settings)
    try:
        rec = _recommendation(settings, factory, athlete, parse_date(date))
    except AthleteNotFoundError as err:
        raise fail(str(err)) from err
    if as_json:
        typer.echo(json.dumps(rec.to_dict(), indent=2))
    else:
        _print_recommendation(rec)


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

    prepare_serving(host=host, demo=demo)
    settings = load_settings()
    open_database(settings)  # create or migrate the database before serving
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
