"""Benchmark the athlete simulator: a large cohort without strength sets.

Usage: ``python benchmarks/bench_simulator.py --athletes 10000 --days 730``. Prints athlete-days
per second, wall time and peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import date

from pipelines.simulator.cohort import simulate_cohort


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athletes", type=int, default=10_000, help="cohort size")
    parser.add_argument("--days", type=int, default=730, help="days to simulate")
    parser.add_argument("--seed", type=int, default=0, help="simulation seed")
    parser.add_argument("--with-sets", action="store_true", help="also simulate strength sets")
    return parser.parse_args(argv)


def peak_rss_mb() -> float:
    """Return this process's peak resident set size in MB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024**2 if sys.platform == "darwin" else peak / 1024


def main(argv: list[str] | None = None) -> None:
    """Run the simulation once and print its throughput."""
    args = parse_args(argv)
    began = time.perf_counter()
    cohort = simulate_cohort(
        n_athletes=args.athletes,
        n_days=args.days,
        seed=args.seed,
        start=date(2025, 1, 1),
        with_sets=args.with_sets,
    )
    wall = time.perf_counter() - began
    athlete_days = args.athletes * args.days
    print(f"athletes={args.athletes} days={args.days} with_sets={args.with_sets}")
    print(
        f"rows: sessions={len(cohort.sessions):,} wellness={len(cohort.wellness):,} "
        f"hidden={len(cohort.hidden):,} injuries={len(cohort.injuries):,} sets={len(cohort.sets):,}"
    )
    print(f"wall time: {wall:.1f} s")
    print(f"throughput: {athlete_days / wall:,.0f} athlete-days/s")
    print(f"peak RSS: {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
