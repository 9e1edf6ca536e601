"""``cairn import``: bring real athlete data in (activity files, lift logs, Cairn CSV, PMData).

Exit codes: 0 when every file was imported (records already stored count as imported:
they are skipped as duplicates), 1 when any file was rejected or failed, or when the
command could not start (a path that does not exist, an unknown athlete); 2 for a usage
error (e.g. an unknown ``--format``).
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from engine.cli.common import console, err_console, load_settings, open_database
from engine.errors import AthleteNotFoundError
from engine.store import database, logbook

if TYPE_CHECKING:  # the importers are imported when a command imports (CLI start-up time)
    from engine.services.imports import ImportOptions
    from pipelines.importers.summary import FileImport, ImportSummary


class ImportFormat(StrEnum):
    """The ``--format`` choices."""

    auto = "auto"
    fit = "fit"
    gpx = "gpx"
    strength_csv = "strength-csv"
    cairn_csv = "cairn-csv"
    pmdata = "pmdata"


def register(app: typer.Typer) -> None:
    """Attach ``cairn import`` to ``app``."""
    app.command("import")(import_files)


def _fail(message: str) -> typer.Exit:
    err_console.print(Text.assemble(("Error: ", "bold red"), message), soft_wrap=True)
    return typer.Exit(code=1)


def _say(message: str, style: str = "") -> None:
    console.print(Text(message, style=style), soft_wrap=True)


def _prepare(paths: list[Path], athlete: int | None) -> tuple[list[Path], sessionmaker[Session]]:
    """Check the paths and the athlete before anything is imported; open the database."""
    from engine.services.imports import collect_import_items
    from pipelines.importers import ImportFileError

    settings = load_settings()
    try:
        items = collect_import_items(paths)
    except ImportFileError as err:
        raise _fail(f"{err}; nothing imported") from err
    factory = open_database(settings)
    if athlete is None:
        return items, factory
    try:
        with database.open_session(factory) as session:
            logbook.read_athlete(session, athlete_id=athlete)
    except AthleteNotFoundError as err:
        raise _fail(
            f"{err}; create the athlete first (`cairn athletes create`) or pass another --athlete; "
            "nothing imported"
        ) from err
    return items, factory


def _run(
    factory: sessionmaker[Session], items: list[Path], *, options: ImportOptions, quiet: bool
) -> ImportSummary:
    from engine.services.imports import import_path
    from pipelines.importers.summary import ImportSummary

    summary = ImportSummary()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console, disable=quiet) as progress:
        task = progress.add_task("Importing", total=len(items))
        for path in items:
            progress.update(task, description=f"Importing {path.name}")
            result = import_path(
                factory, path=path, label=str(path), options=options, today=dt.date.today()
            )
            summary.files.append(result)
            progress.advance(task)
        progress.update(task, description="Imported")
    return summary


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {table}" for table, n in counts.items() if n) or "-"


def _print_summary(summary: ImportSummary) -> None:
    table = Table(title="Import summary")
    table.add_column("file", overflow="fold")
    for column in ("format", "status", "imported", "duplicates skipped", "rejected"):
        table.add_column(column)
    for item in summary.files:
        style = {"ok": "green", "rejected": "yellow", "failed": "red"}[item.status]
        table.add_row(
            Path(item.file).name,
            item.format or "-",
            Text(item.status, style=style),
            _counts(item.imported),
            _counts(item.duplicates),
            str(len(item.rejections)) if item.rejections else "-",
        )
    console.print(table)
    for item in summary.files:
        _print_details(item)
    _say(_closing_line(summary), style="bold")


def _print_details(item: FileImport) -> None:
    if item.error:
        _say(f"Not imported: {item.error}", style="red")
    if item.rejections:
        verb = "skipped" if item.status == "ok" else "rejected"
        _say(f"{len(item.rejections)} record(s) {verb} in {item.file}:")
        for rejection in item.rejections:
            _say(f"  - {rejection.message()}")
    for warning in item.warnings:
        _say(f"Warning: {warning}", style="yellow")


def _closing_line(summary: ImportSummary) -> str:
    duplicates = sum(summary.totals("duplicates").values())
    line = f"Imported {summary.n_imported} row(s) from {len(summary.files)} file(s)"
    line += f"; {duplicates} duplicate(s) skipped (already imported)"
    failed = sum(f.status != "ok" for f in summary.files)
    if failed:
        line += f"; {failed} file(s) not imported (exit code 1)"
    elif summary.n_imported == 0 and duplicates:
        line += "; nothing new: everything was already imported"
    return line + "."


def import_files(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Files or folders; a folder is searched for .fit/.gpx/.csv files, "
            "a PMData folder (or one pXX folder) is imported as a whole.",
            show_default=False,
        ),
    ],
    athlete: Annotated[
        int | None,
        typer.Option(
            help="Athlete id (must exist) for single-athlete files; not needed for "
            "PMData or Cairn CSV files with an athlete_id column."
        ),
    ] = None,
    fmt: Annotated[
        ImportFormat, typer.Option("--format", help="File format; auto detects it per file.")
    ] = ImportFormat.auto,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Import the valid records of a file with invalid "
            "ones (default: such a file is not imported at all).",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Import activity files, lift logs, Cairn CSV files or PMData, idempotently.

    Each file is stored completely or not at all; exit code 1 when any file was not.
    """
    from engine.services.imports import ImportOptions

    items, factory = _prepare(paths, athlete)
    options = ImportOptions(
        athlete_id=athlete,
        format=fmt.value,
        skip_invalid=skip_invalid,
        default_timezone=load_settings().default_timezone,
    )
    try:
        summary = _run(factory, items, options=options, quiet=as_json)
    except OperationalError as err:
        raise _fail(
            f"the database is busy or unreachable ({err.orig}); files imported before this "
            "one are kept, run the same command again to import the rest"
        ) from err
    if as_json:
        typer.echo(json.dumps(summary.to_dict(), indent=2))
    else:
        _print_summary(summary)
    raise typer.Exit(code=summary.exit_code)
