"""``cairn nightly`` on both engines over a real data dir (e.g. the demo's): identical stores?

Run: ``python benchmarks/compare_engines.py --data-dir data [--date D]``. The data dir's
SQLite database is copied twice (the original is never written); on each copy every stored
feature row and marker is dropped (every athlete is rebuilt from the logs, the heaviest
night) and ``run_nightly`` runs, once with ``--engine local`` and once with ``--engine
spark`` (local[2]), with the data dir's champions. Prints the rows and scores each wrote and
whether the two stores are equal value for value (``feature_day``: athlete, day, version and
the encoded row; ``morning_score``: the JSON of every athlete's scored candidates).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from engine.services.nightly import run_nightly
from engine.services.serving import load_champions
from engine.settings import Settings
from engine.store import database


def _copy(db: Path, folder: Path, name: str) -> Path:
    target = folder / f"{name}.sqlite"
    source = sqlite3.connect(db)
    with sqlite3.connect(target) as out:
        source.backup(out)  # a consistent copy, WAL included
    source.close()
    with sqlite3.connect(target) as con:
        con.execute("DELETE FROM feature_day")
        con.execute("DELETE FROM morning_score")
    # the triggers did not fire for DELETE FROM feature_day: mark every athlete dirty
    with sqlite3.connect(target) as con:
        con.execute("DELETE FROM feature_dirty")
        con.execute(
            "INSERT INTO feature_dirty (athlete_id, from_date, seq) "
            "SELECT id, '1900-01-01', 1 FROM athlete"
        )
    return target


def _dump(db: Path) -> tuple[list[tuple], list[tuple]]:
    with sqlite3.connect(db) as con:
        rows = con.execute(
            'SELECT athlete_id, date, version, "values" FROM feature_day ORDER BY athlete_id, date'
        ).fetchall()
        scores = con.execute(
            "SELECT athlete_id, date, feature_version, model_versions, result FROM morning_score "
            "ORDER BY athlete_id"
        ).fetchall()
    return rows, scores


def main() -> None:
    """Copy, run both engines, compare."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--date", default=None, help="the morning scored (default today)")
    args = parser.parse_args()
    settings = Settings(data_dir=args.data_dir)
    db = Path(settings.database_url.removeprefix("sqlite:///"))
    day = dt.date.fromisoformat(args.date) if args.date else dt.date.today()
    models = load_champions(settings)
    print(f"champions: {models.versions} (available: {models.available})")
    dumps = {}
    with tempfile.TemporaryDirectory() as tmp:
        for engine in ("local", "spark"):
            copy = _copy(db, Path(tmp), engine)
            factory = database.make_session_factory(database.make_engine(f"sqlite:///{copy}"))
            began = time.perf_counter()
            report = run_nightly(factory, day=day, models=models, engine=engine)
            took = time.perf_counter() - began
            dumps[engine] = _dump(copy)
            rows, scores = dumps[engine]
            print(f"{engine:5s}: {report.athletes} athletes, {len(rows):,} stored rows, "
                  f"{len(scores)} scored mornings of {day} in {took:.1f} s")  # fmt: skip
        shutil.rmtree(tmp, ignore_errors=True)
    same_rows = dumps["local"][0] == dumps["spark"][0]
    same_scores = dumps["local"][1] == dumps["spark"][1]
    print(f"feature_day identical: {same_rows}; morning_score identical: {same_scores}")
    if not (same_rows and same_scores):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
