"""``cairn nightly``: refresh the feature store and score every athlete's morning."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from engine.cli.common import console, fail, load_settings, open_database, parse_date
from engine.store import database


def register(app: typer.Typer) -> None:
    """Attach ``cairn nightly`` to ``app``."""
    app.command()(nightly)


def nightly(
    date: Annotated[
        str | None, typer.Option(help="The morning to score (YYYY-MM-DD); default today.")
    ] = None,
    engine: Annotated[
        str, typer.Option(help="Batch engine: local (pandas in this process) or spark.")
    ] = "local",
    master: Annotated[
        str | None,
        typer.Option(help="Spark master URL (--engine spark; default local[2])."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Bring every athlete's features up to DATE and score their morning with the champions."""
    from engine.services.nightly import ENGINES, run_nightly
    from engine.services.serving import load_champions

    if engine not in ENGINES:
        raise fail(f"--engine must be one of {', '.join(ENGINES)}, got {engine!r}", code=2)
    if master is not None and engine != "spark":
        raise fail("--master needs --engine spark", code=2)
    day = parse_date(date)
    settings = load_settings()
    factory = open_database(settings)
    models = load_champions(settings)
    if not models.available:
        console.print(f"[yellow]No champions ({models.degraded_reason}): rule-based scores[/]")
    with database.open_session(factory) as session:
        report = run_nightly(session, day=day, models=models, engine=engine, master=master)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
        return
    console.print(
        f"Nightly {report.day} ({report.engine}): {report.athletes} athletes, "
        f"{report.rows_written} feature rows and {report.scores_written} scored mornings "
        f"written in {report.seconds['total']:.1f} s"
    )
