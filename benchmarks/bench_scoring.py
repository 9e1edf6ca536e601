"""Time scoring 30 candidate sessions for one athlete with both models.

Run: ``python benchmarks/bench_scoring.py [--repeats 500] [--athletes 200]``. Trains both models
on a simulated cohort (not timed), then times, per morning: ``candidate_matrix`` (today's row
plus each candidate, as a NumPy array) and both predictions on it (readiness regressor, calibrated
injury classifier) through ``fast_scorer`` (the path the recommender uses), on one thread as in
the API. Prints p50/p95 in ms. Goal: <= 5 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np

from engine.coach.scoring import candidates_frame
from engine.optimizer.catalogue import enumerate_candidates
from models.estimators import fast_scorer, set_single_thread
from models.evaluate import split_by_time
from models.train import fit_injury, fit_readiness
from pipelines.features import (
    FEATURE_COLUMNS,
    apply_candidate_sessions,
    build_daily_features,
    candidate_matrix,
)
from pipelines.simulator.cohort import simulate_cohort

N_CANDIDATES = 30


def _percentiles(samples: list[float]) -> str:
    p50, p95 = np.percentile(np.asarray(samples) * 1000.0, [50, 95])
    return f"p50 {p50:6.2f} ms   p95 {p95:6.2f} ms"


def main() -> None:
    """Train, then time the scoring path and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=500)
    parser.add_argument("--athletes", type=int, default=200)
    args = parser.parse_args()
    cohort = simulate_cohort(
        n_athletes=args.athletes, n_days=365, seed=1, start=dt.date(2025, 1, 6), with_sets=False
    )
    table = build_daily_features(
        cohort.sessions, cohort.wellness, cohort.injuries, athletes=cohort.athletes
    )
    split = split_by_time(table, athlete_fraction=0.2, random_state=0)
    kwargs = {"columns": FEATURE_COLUMNS, "with_figures": False, "diagnostics": False}
    readiness_model = set_single_thread(fit_readiness(table, split, **kwargs).model)
    injury_model = set_single_thread(fit_injury(table, split, **kwargs).model)
    readiness, injury = fast_scorer(readiness_model), fast_scorer(injury_model)

    candidates = candidates_frame(enumerate_candidates(max_minutes=120))
    candidates = candidates.sample(
        N_CANDIDATES, replace=len(candidates) < N_CANDIDATES, random_state=0
    )
    candidates = candidates.reset_index(drop=True)
    rows = table[table["athlete_id"] == 1]
    bases = [rows.iloc[[i]].reset_index(drop=True) for i in range(len(rows) - 60, len(rows))]

    def score(base) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
        X = candidate_matrix(base, candidates, columns=FEATURE_COLUMNS)  # noqa: N806
        return readiness(X), injury(X)

    for base in bases[:20]:  # warm-up
        score(base)
    parts: dict[str, list[float]] = {"matrix": [], "readiness": [], "injury": [], "total": []}
    sklearn_times = []
    frame_times = []
    for i in range(args.repeats):
        base = bases[i % len(bases)]
        t0 = time.perf_counter()
        X = candidate_matrix(base, candidates, columns=FEATURE_COLUMNS)  # noqa: N806
        t1 = time.perf_counter()
        readiness(X)
        t2 = time.perf_counter()
        injury(X)
        t3 = time.perf_counter()
        for key, value in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t3 - t0), strict=True):
            parts[key].append(value)
        t4 = time.perf_counter()
        readiness_model.predict(X)
        injury_model.predict_proba(X)
        sklearn_times.append(time.perf_counter() - t4)
        t5 = time.perf_counter()
        apply_candidate_sessions(base, candidates)
        frame_times.append(time.perf_counter() - t5)
    print(f"{N_CANDIDATES} candidates x {args.repeats} mornings, one thread")
    print(f"  candidate_matrix         {_percentiles(parts['matrix'])}")
    print(f"  readiness predict        {_percentiles(parts['readiness'])}")
    print(f"  injury predict (calib.)  {_percentiles(parts['injury'])}")
    print(f"  total                    {_percentiles(parts['total'])}   (goal <= 5 ms)")
    print(f"  (both predicts through the sklearn pipelines: {_percentiles(sklearn_times)})")
    print(f"  (apply_candidate_sessions as a DataFrame:    {_percentiles(frame_times)})")


if __name__ == "__main__":
    main()
