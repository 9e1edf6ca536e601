"""Peak memory and time of training both models with the feature table read from the store.

Run: ``python benchmarks/bench_training_store.py [--athletes 10000] [--days 730]``.

1. The simulated cohort is saved into a SQLite template once (``bench_nightly.prepare``; the
   triggers mark every athlete dirty).
2. A child process fills the feature store (``feature_store.refresh_dirty``: every athlete
   built and stored, 1,000 at a time).
3. Another child process does what ``cairn train`` reads and fits: ``load_feature_table``
   (the store, read 1,000 athletes at a time), then both models fitted as in
   ``benchmarks/bench_training.py`` (features as float32, two threads).

Each step prints its wall time and the peak resident memory of its process.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_nightly import _run_measured, prepare  # noqa: E402


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB -> GiB


def fill_store(db: Path) -> None:
    """Child process: build and store every athlete's rows."""
    from engine.services import feature_store
    from engine.store import database

    factory = database.make_session_factory(database.make_engine(f"sqlite:///{db}"))
    began = time.perf_counter()
    cleared = feature_store.refresh_dirty(factory)
    print(
        f"fill the store: {cleared:,} athletes in {time.perf_counter() - began:.1f} s, "
        f"peak RSS {_peak_gb():.2f} GB"
    )


def train(db: Path) -> None:
    """Child process: read the training table from the store, fit both models."""
    from engine.services.training import load_feature_table
    from engine.store import database
    from models.evaluate import split_by_time
    from models.train import fit_injury, fit_readiness
    from pipelines.features import FEATURE_COLUMNS

    factory = database.make_session_factory(database.make_engine(f"sqlite:///{db}"))
    began = time.perf_counter()
    with database.open_session(factory) as session:
        frame = load_feature_table(session)
    read = time.perf_counter() - began
    peak_read = _peak_gb()
    keep = ["athlete_id", "date", "injured", "readiness_next", "injury_7d"]
    features = frame[list(FEATURE_COLUMNS)].astype(np.float32)
    frame = pd.concat([frame[keep], features], axis=1)
    split = split_by_time(frame, test_fraction=0.2, athlete_fraction=0.2, random_state=0)

    def fit(target: str) -> float:
        start = time.perf_counter()
        fitter = fit_readiness if target == "readiness" else fit_injury
        fitter(frame, split, columns=FEATURE_COLUMNS, with_figures=False)
        return time.perf_counter() - start

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        targets = ("readiness", "injury")
        seconds = dict(zip(targets, pool.map(fit, targets), strict=True))
    print(
        f"read the table from the store: {len(frame):,} rows in {read:.1f} s "
        f"(peak RSS {peak_read:.2f} GB); fit both {time.perf_counter() - began:.1f} s "
        f"(readiness {seconds['readiness']:.1f} s, injury {seconds['injury']:.1f} s); "
        f"peak RSS {_peak_gb():.2f} GB"
    )


def main() -> None:
    """Parse the options, prepare the database, run both steps in child processes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--athletes", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--step", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step == "fill":
        fill_store(args.db)
        return
    if args.step == "train":
        train(args.db)
        return
    template = prepare(args.athletes, args.days)
    db = template.with_name("training.sqlite")
    shutil.copy(template, db)
    for step in ("fill", "train"):
        wall, peak, out = _run_measured([sys.executable, __file__, "--step", step, "--db", str(db)])
        print(out.strip())
        print(f"  ({step}: wall {wall:.1f} s, peak RSS of the process tree {peak:.2f} GB)")


if __name__ == "__main__":
    main()
