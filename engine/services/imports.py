"""The import use case: parse files with ``pipelines.importers`` and store them, idempotently.

Rules (see docs/import-formats.md, "Importing"):

- **One transaction per file.** A file (or a PMData folder) is written completely or not at
  all; one failed file never leaves partial rows. Files of one run are independent: earlier
  files stay imported when a later one fails, and the summary (and the CLI exit code) says
  which failed. Re-running is safe because imports are idempotent.
- **Invalid records.** By default a file with any rejected record writes nothing. With
  ``skip_invalid`` its valid records are written and the rejected ones reported.
- **Idempotent.** Records already stored are skipped and counted as duplicates (keys in
  ``engine.store.import_batches``); a stored check-in is kept, not replaced.
- **Athletes.** Single-athlete files need an existing athlete (the ``athlete_id`` given,
  or a Cairn CSV ``athlete_id`` column); PMData athletes are found or created by
  ``external_ref`` (e.g. ``pmdata:p01``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import AthleteNotFoundError
from engine.services.calendar import UTC_FORMATS, localize_sessions
from engine.services.feature_store import try_refresh
from engine.store import database, logbook
from engine.store.import_batches import DEFAULT_SOURCE, NO_ATHLETE, apply_batch
from pipelines.importers import (
    ImportBatch,
    ImportFileError,
    detect_format,
    iter_import_files,
    read_activity_file,
)
from pipelines.importers.summary import FileImport, ImportSummary

_RECORD_SOURCE = {"pmdata": "pmdata", "cairn-csv": "cairn-csv"}  # check-ins and injuries


@dataclass(frozen=True)
class ImportOptions:
    """How to import.

    Attributes:
        athlete_id: Athlete of single-athlete files (None: only PMData, or Cairn CSV files
            with an ``athlete_id`` column, can be imported).
        format: ``"auto"`` or one of ``pipelines.importers.FORMATS``.
        skip_invalid: Write the valid records of a file that has rejected ones.
        only_athlete: Refuse files with records of any athlete other than ``athlete_id``
            (the API's ``/athletes/{id}/imports`` sets it).
        default_timezone: IANA zone for an athlete without one: UTC start times (GPX) are
            stored as the athlete's local time and date (``engine.services.calendar``).
    """

    athlete_id: int | None = None
    format: str = "auto"
    skip_invalid: bool = False
    only_athlete: bool = False
    default_timezone: str = "UTC"


def collect_import_items(paths: Sequence[Path]) -> list[Path]:
    """Return the files to import: files as given, folders expanded (a PMData folder is one).

    Raises:
        ImportFileError: a path does not exist, or a folder holds no .fit/.gpx/.csv file.
    """
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise ImportFileError(f"no such file or folder: {', '.join(missing)}")
    items: list[Path] = []
    for path in paths:
        found = iter_import_files([path])
        if not found:
            raise ImportFileError(
                f"{path}: folder has no .fit, .gpx or .csv file and is not PMData"
            )
        items.extend(found)
    return items


def import_paths(
    factory: sessionmaker[Session],
    *,
    items: Sequence[tuple[str, Path]],
    options: ImportOptions,
    today: dt.date,
    on_file: Callable[[FileImport], None] | None = None,
) -> ImportSummary:
    """Import files one after the other, each in its own transaction.

    Args:
        factory: Session factory of the database.
        items: (label for messages, path) per file or PMData folder.
        options: How to import (athlete, format, skip_invalid).
        today: Reference day; records dated after it are rejected.
        on_file: Called after each file (progress display).
    """
    summary = ImportSummary()
    for label, path in items:
        result = import_path(factory, path=path, label=label, options=options, today=today)
        summary.files.append(result)
        if on_file is not None:
            on_file(result)
    return summary


def import_path(
    factory: sessionmaker[Session],
    *,
    path: Path,
    label: str,
    options: ImportOptions,
    today: dt.date,
) -> FileImport:
    """Parse one file (or PMData folder) and store it in one transaction."""
    fmt = options.format
    try:
        fmt = detect_format(path) if fmt == "auto" else fmt
        athlete_id = options.athlete_id or NO_ATHLETE
        batch = read_activity_file(path, athlete_id=athlete_id, today=today, format=fmt)
    except ImportFileError as err:
        known = None if fmt == "auto" else fmt
        return FileImport(file=label, format=known, status="failed", error=str(err))
    return import_batch(factory, batch=batch, label=label, fmt=fmt, options=options)


def _local_times(
    session: Session, *, batch: ImportBatch, fmt: str, options: ImportOptions
) -> ImportBatch:
    """GPX start times are UTC: store them as the athlete's local time and local date."""
    if fmt not in UTC_FORMATS or options.athlete_id is None or batch.sessions.empty:
        return batch
    try:
        athlete = logbook.read_athlete(session, athlete_id=options.athlete_id)
    except AthleteNotFoundError:
        return batch  # apply_batch reports the missing athlete
    zone = ZoneInfo(athlete.timezone or options.default_timezone)
    return replace(batch, sessions=localize_sessions(batch.sessions, zone=zone))


def _n_records(batch: ImportBatch) -> int:
    return sum(len(getattr(batch, name)) for name in ("sessions", "wellness", "injuries"))


def import_batch(
    factory: sessionmaker[Session],
    *,
    batch: ImportBatch,
    label: str,
    fmt: str,
    options: ImportOptions,
) -> FileImport:
    """Store one parsed file in one transaction and report what happened.

    Bad data never raises: the result's status is ``rejected`` (invalid records and no
    ``skip_invalid``) or ``failed`` (athlete problems, rows the database refuses), and then
    nothing of the file is written.

    Raises:
        sqlalchemy.exc.OperationalError: the database is busy or unreachable (the file's
            transaction was rolled back; files imported before it stay imported).
    """
    result = FileImport(
        file=label, format=fmt, rejections=list(batch.rejections), warnings=list(batch.warnings)
    )
    valid = _n_records(batch)
    if batch.rejections and (not options.skip_invalid or valid == 0):
        hint = (
            f"; fix them, or skip them (--skip-invalid, skip_invalid=true) to import the "
            f"{valid} valid record(s)"
            if valid
            else ""
        )
        result.status = "rejected"
        result.error = f"{label}: {len(batch.rejections)} invalid record(s), nothing imported{hint}"
        return result
    try:
        with database.open_session(factory) as session:
            batch = _local_times(session, batch=batch, fmt=fmt, options=options)
            applied = apply_batch(
                session,
                batch=batch,
                label=label,
                source=_RECORD_SOURCE.get(fmt, DEFAULT_SOURCE),
                athlete_id=options.athlete_id,
                only_athlete=options.only_athlete,
            )
    except ImportFileError as err:
        result.status, result.error = "failed", str(err)
        return result
    except OperationalError:
        raise  # database busy or unreachable: not the file's fault, the caller reports it
    except SQLAlchemyError as err:
        cause = getattr(err, "orig", None) or err
        result.status = "failed"
        result.error = f"{label}: the database refused the file ({cause}); nothing imported"
        return result
    result.imported, result.duplicates = applied.imported, applied.duplicates
    result.warnings.extend(applied.warnings)
    if options.athlete_id is not None and any(applied.imported.values()):
        # the triggers marked the athlete; refresh now, best effort (else the next read does)
        try_refresh(factory, athlete_id=options.athlete_id)
    return result
