"""Benchmark importing the whole PMData folder into a fresh SQLite database.

Usage: ``python benchmarks/bench_import.py [--pmdata ../shared/data/pmdata] [--database-url URL]``.
Runs the import twice (the second run must add nothing) and prints wall time, rows per
second and the split between parsing and storing. Without ``--database-url`` the database
is a SQLite file in a temporary folder, deleted afterwards.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from engine.services.imports import ImportOptions, import_batch
from engine.store import database, logbook
from pipelines.importers import read_pmdata

DEFAULT_PMDATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "pmdata"
TODAY = date(2026, 1, 1)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pmdata", type=Path, default=DEFAULT_PMDATA, help="PMData folder")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp folder")
    return parser.parse_args(argv)


def run(pmdata: Path, database_url: str) -> None:
    """Import ``pmdata`` twice into ``database_url`` and print the timings."""
    engine = database.make_engine(database_url)
    database.migrate_database(engine)
    factory = database.make_session_factory(engine)
    for label in ("first run", "second run (idempotent)"):
        began = time.perf_counter()
        batch = read_pmdata(pmdata, today=TODAY)
        parsed = time.perf_counter()
        result = import_batch(
            factory, batch=batch, label=pmdata.name, fmt="pmdata", options=ImportOptions()
        )
        done = time.perf_counter()
        records = sum(batch.counts()[n] for n in ("athletes", "sessions", "wellness", "injuries"))
        wall, stored = done - began, done - parsed
        print(
            f"{label}: status={result.status} imported={result.n_imported:,} "
            f"duplicates={result.n_duplicates:,} records={records:,}"
        )
        print(
            f"  wall {wall:.2f} s (parse {parsed - began:.2f} s, store {stored:.2f} s), "
            f"{records / wall:,.0f} records/s end to end, {records / stored:,.0f} records/s stored"
        )
    with database.open_session(factory) as session:
        print(f"rows in the database: {logbook.count_rows(session)}")
    engine.dispose()


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark."""
    args = parse_args(argv)
    if not args.pmdata.exists():
        raise SystemExit(f"PMData folder not found: {args.pmdata} (pass --pmdata)")
    if args.database_url:
        run(args.pmdata, args.database_url)
        return
    with tempfile.TemporaryDirectory(prefix="cairn-bench-") as folder:
        run(args.pmdata, f"sqlite:///{Path(folder) / 'app.sqlite'}")


if __name__ == "__main__":
    main()
