"""Time feature building and training both models on a large simulated cohort.

Run: ``python benchmarks/bench_training.py [--athletes 10000] [--days 730] [--seed 0]``.
Prints the time to simulate, to build the daily feature table and to train both models
(readiness regressor; injury classifier + calibration, each with its baselines), each
LightGBM on one thread, the two models in two threads at once (LightGBM releases the GIL, so
this uses 2 cores without copying the table). Then it scores both on the holdout (last 20% of days,
20% of athletes unseen) next to the baselines, and prints peak memory (resource.getrusage).
Goal: training <= 3 min on 2 cores for 10,000 athletes x 730 days.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from models.evaluate import Split, split_by_time
from models.train import FitResult, fit_injury, fit_readiness
from pipelines.features import FEATURE_COLUMNS, build_daily_features
from pipelines.simulator.cohort import simulate_cohort

KEEP = ("athlete_id", "date", "injured", "readiness_next", "injury_7d")


def _fit(frame: pd.DataFrame, split: Split, target: str) -> tuple[str, FitResult, float]:
    fit = fit_readiness if target == "readiness" else fit_injury
    start = time.perf_counter()
    result = fit(frame, split, columns=FEATURE_COLUMNS, with_figures=False)
    seconds = time.perf_counter() - start
    result.train, result.test = result.train.head(0), result.test.head(0)  # free the copies
    return target, result, seconds


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # KiB on Linux -> GB


def _compact(frame: pd.DataFrame) -> pd.DataFrame:
    """Only the model columns, features as float32 (LightGBM bins them anyway)."""
    features = frame[list(FEATURE_COLUMNS)].astype(np.float32)
    return pd.concat([frame[list(KEEP)], features], axis=1)


def _build_in_chunks(cohort, *, chunk: int) -> pd.DataFrame:  # noqa: ANN001
    """Build the table a few thousand athletes at a time (rows depend on their athlete only)."""
    ids = np.sort(cohort.athletes["athlete_id"].unique())
    parts = []
    for lo in range(0, len(ids), chunk):
        part = ids[lo : lo + chunk]

        def mine(frame: pd.DataFrame, part: np.ndarray = part) -> pd.DataFrame:
            return frame[frame["athlete_id"].isin(part)]

        table = build_daily_features(
            mine(cohort.sessions),
            mine(cohort.wellness),
            mine(cohort.injuries),
            athletes=mine(cohort.athletes),
        )
        parts.append(_compact(table))
    return pd.concat(parts, ignore_index=True)


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--athletes", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunk", type=int, default=2500, help="Athletes per feature batch.")
    args = parser.parse_args()

    start = time.perf_counter()
    cohort = simulate_cohort(
        n_athletes=args.athletes,
        n_days=args.days,
        seed=args.seed,
        start=dt.date(2023, 1, 2),
        with_sets=False,
    )
    t_sim = time.perf_counter() - start
    peak_sim = _peak_gb()
    start = time.perf_counter()
    frame = _build_in_chunks(cohort, chunk=args.chunk)
    t_features = time.perf_counter() - start
    peak_features = _peak_gb()
    del cohort
    split = split_by_time(frame, test_fraction=0.2, athlete_fraction=0.2, random_state=0)
    print(f"cohort: {args.athletes} athletes x {args.days} days = {len(frame):,} athlete-days")
    print(f"simulate        {t_sim:7.1f} s")
    print(
        f"build features  {t_features:7.1f} s   ({len(FEATURE_COLUMNS)} features, "
        f"{args.chunk} athletes per batch, kept as float32)"
    )

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [pool.submit(_fit, frame, split, t) for t in ("readiness", "injury")]
        results = {t: (r, s) for t, r, s in (job.result() for job in jobs)}
    t_train = time.perf_counter() - start
    for target, (_, seconds) in results.items():
        print(f"  fit {target:<10} {seconds:7.1f} s (one thread)")
    print(f"train both      {t_train:7.1f} s   (2 threads, incl. baselines; goal <= 180 s)")
    print("\nholdout (last 20% of days; 20% of athletes never trained on):")
    for target, (result, _) in results.items():
        for key, value in sorted(result.metrics.items()):
            if key.endswith(("mae", "roc_auc", "brier", "r2")) or key == "event_rate":
                print(f"  {target:<10} {key:<30} {value:.4f}")
    print(
        f"\npeak memory (max RSS so far): after simulating {peak_sim:.1f} GB, after features "
        f"{peak_features:.1f} GB, at the end {_peak_gb():.1f} GB"
    )


if __name__ == "__main__":
    main()
