"""Time choose_session and plan_week with both solvers over random athlete contexts.

Run: ``python benchmarks/bench_optimizer.py [--cases 200] [--seed 0]``. Prints p50/p95 latency
(ms) per entry point and solver, and how often the two solvers agree.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from engine.catalogue import CATALOGUE, Candidate, enumerate_candidates, make_candidate
from engine.constraints import violations
from engine.optimizer import AthleteContext, PastSession, choose_session, plan_week

MINUTES = (0, 30, 45, 60, 90, 120, 180)


@dataclass(frozen=True)
class Case:
    """One random benchmark case: context, today's candidates and their predictions."""

    context: AthleteContext
    candidates: list[Candidate]
    readiness: np.ndarray
    injury_risk: np.ndarray


def _history(rng: np.random.Generator, today: date) -> tuple[tuple[float, ...], tuple]:
    n_days = int(rng.choice([0, 5, 20, 60, 90]))
    level = float(rng.choice([100.0, 250.0, 400.0]))
    types = [t for t in CATALOGUE if t != "rest"]
    loads, sessions = [], []
    for k in range(n_days):
        day = today - timedelta(days=n_days - k)
        if rng.random() < 0.35:
            loads.append(0.0)
            continue
        spec = CATALOGUE[str(rng.choice(types))]
        minutes = float(rng.choice(spec.durations_min))
        load = spec.target_rpe * minutes * float(rng.uniform(0.6, 1.4)) * level / 250.0
        loads.append(load)
        if n_days - k <= 28:
            sessions.append(PastSession(day, spec.type, spec.kind, spec.intensity, minutes, load))
    return tuple(loads), tuple(sessions)


def random_case(rng: np.random.Generator) -> Case:
    """A plausible random athlete morning (seeded by ``rng``)."""
    today = date(2025, 1, 1) + timedelta(days=int(rng.integers(0, 365)))
    availability = tuple(int(rng.choice(MINUTES)) for _ in range(7))
    daily_load, recent = _history(rng, today)
    locked = {}
    if rng.random() < 0.2:
        spec = CATALOGUE[str(rng.choice(list(CATALOGUE)))]
        day = today + timedelta(days=int(rng.integers(0, 7)))
        locked[day] = make_candidate(spec.type, int(rng.choice(spec.durations_min)))
    signals = {"sleep_h": float(rng.normal(7, 1)), "sleep_h_avg": 7.2, "soreness": 3.0}
    context = AthleteContext(
        today=today,
        availability_min=availability,  # type: ignore[arg-type]
        daily_load=daily_load,
        recent=recent,
        open_injury=bool(rng.random() < 0.1),
        illness=bool(rng.random() < 0.05),
        pain=bool(rng.random() < 0.05),
        signals=signals,
        locked=locked,
    )
    candidates = enumerate_candidates(max_minutes=max(availability[today.weekday()], 30))
    loads = np.array([c.load_au for c in candidates])
    readiness = np.clip(rng.uniform(40, 85) - 0.03 * loads + rng.normal(0, 3, len(loads)), 0, 100)
    risk = np.clip(rng.uniform(0.01, 0.12) + 0.0003 * loads * rng.uniform(0.2, 1.5), 0, 1)
    return Case(context, candidates, readiness, risk)


def _time_ms(func, case: Case, solver: str) -> tuple[float, object]:  # noqa: ANN001
    start = time.perf_counter()
    result = func(
        context=case.context,
        candidates=case.candidates,
        readiness=case.readiness,
        injury_risk=case.injury_risk,
        solver=solver,
    )
    return (time.perf_counter() - start) * 1000.0, result


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    cases = [random_case(rng) for _ in range(args.cases)]
    _time_ms(choose_session, cases[0], "highs")  # warm-up (imports, JIT-free but cold caches)
    _time_ms(choose_session, cases[0], "cpsat")
    times: dict[tuple[str, str], list[float]] = {}
    same_day0 = same_objective = broken = 0
    for case in cases:
        results = {}
        for solver in ("highs", "cpsat"):
            for name, func in (("choose_session", choose_session), ("plan_week", plan_week)):
                ms, result = _time_ms(func, case, solver)
                times.setdefault((name, solver), []).append(ms)
                results[(name, solver)] = result
                broken += bool(violations(result, context=case.context))
        a, b = results[("choose_session", "highs")], results[("choose_session", "cpsat")]
        same_day0 += a.candidate == b.candidate
        same_objective += abs(a.objective - b.objective) <= 1e-6 * max(1.0, abs(a.objective))
    print(f"{len(cases)} random contexts, {len(cases[0].candidates)}+ candidates, 7-day horizon")
    print(f"{'entry point':<16}{'solver':<8}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}")
    for (name, solver), values in times.items():
        p50, p95 = np.percentile(values, [50, 95])
        print(f"{name:<16}{solver:<8}{p50:8.1f}{p95:8.1f}{max(values):8.1f}")
    print(
        f"solvers agree on today's session in {same_day0}/{len(cases)} cases, "
        f"on the objective in {same_objective}/{len(cases)}; rule violations: {broken}"
    )


if __name__ == "__main__":
    main()
