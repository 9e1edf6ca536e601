"""``cairn nightly``: refresh the feature store and score every athlete's morning."""

from __future__ import annotations

from typing import Annotated

import typer

from engine.cli.common import console, fail, load_settings, open_database, parse_date

ENGINES = ("local", "spark")


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
        typer.Option(help="Spark master URL (with --engine spark; default local[2])."),
    ] = None,
    answers: Annotated[
        bool,
        typer.Option(
            "--answers",
            help="Also prepare every athlete's recommendation of DATE (served from the "
            "database while their logs, locks, events and the champions are unchanged).",
        ),
    ] = False,
) -> None:
    """Bring every athlete's feature rows up to date and score their morning of DATE with the
    champions (GET /athletes/{id}/morning-scores serves the result)."""
    if engine not in ENGINES:
        raise fail(f"--engine must be one of {', '.join(ENGINES)}, got {engine!r}", code=2)
    if master is not None and engine != "spark":
        raise fail("--master needs --engine spark", code=2)
    day = parse_date(date)
    settings = load_settings()
    factory = open_database(settings)
    from engine.services.champion_cache import load_served_champions
    from engine.services.nightly import run_nightly

    # the champions `cairn recommend` serves: on a fresh data dir, the day-one population
    # models are put in place first (the nightly answers are then the ones served)
    models = load_served_champions(settings)
    if not models.available:
        console.print(f"[yellow]No champions ({models.degraded_reason}): rule-based scores[/]")
    report = run_nightly(
        factory,
        day=day,
        models=models,
        engine=engine,
        master=master,
        answers=settings if answers else None,
    )
    console.print(
        f"Nightly {report.day} ({report.engine}): {_count(report.athletes, 'athlete')}, "
        f"{_count(report.refreshed, 'feature table')} refreshed, "
        f"{_count(report.scores_written, 'morning')} scored in {report.seconds['total']:.1f} s"
    )
    if answers:
        console.print(f"{_count(report.answers_prepared, 'answer')} prepared")
    if report.answers_failed:
        shown = ", ".join(str(a) for a in report.answers_failed[:10])
        console.print(
            f"[yellow]No answer for {_count(len(report.answers_failed), 'athlete')} "
            f"(ids {shown}{', ...' if len(report.answers_failed) > 10 else ''}): see the log[/]"
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
