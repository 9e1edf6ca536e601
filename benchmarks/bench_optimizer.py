"""Time choose_session and plan_week with both solvers over random athlete contexts.

Run: ``python benchmarks/bench_optimizer.py [--cases 200] [--seed 0]``. Half the contexts are
random histories (random types and loads, 35% rest days, 0-90 days, random flags and locks), half
are steady athletes following the default weekly template (the common, harder case: time most
days and many near-equal plans). Prints p50/p95 latency (ms) per population, entry point and
solver, and how often the two solvers agree.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from engine.optimizer.catalogue import CATALOGUE, Candidate, enumerate_candidates, make_candidate
from engine.optimizer.choose import AthleteContext, PastSession, choose_session, plan_week
from engine.optimizer.constraints import violations

MINUTES = (0, 30, 45, 60, 90, 120, 180)
TEMPLATE = (
    ("easy_trail", 60),
    ("strength_lower", 45),
    None,
    ("tempo", 55),
    ("strength_full", 45),
    ("long_trail", 125),
    ("walk", 30),
)  # Mon..Sun


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


def _predictions(
    rng: np.random.Generator, candidates: list[Candidate]
) -> tuple[np.ndarray, np.ndarray]:
    loads = np.array([c.load_au for c in candidates])
    readiness = np.clip(rng.uniform(40, 85) - 0.03 * loads + rng.normal(0, 3, len(loads)), 0, 100)
    risk = np.clip(rng.uniform(0.01, 0.12) + 0.0003 * loads * rng.uniform(0.2, 1.5), 0, 1)
    return readiness, risk


def steady_case(rng: np.random.Generator) -> Case:
    """An athlete who has followed the weekly template for 60 days (scaled 0.6-1.4x)."""
    today = date(2025, 1, 1) + timedelta(days=int(rng.integers(0, 365)))
    scale = float(rng.uniform(0.6, 1.4))
    loads, recent = [], []
    for days_ago in range(60, 0, -1):
        day = today - timedelta(days=days_ago)
        slot = TEMPLATE[day.weekday()]
        if slot is None or rng.random() < 0.1:
            loads.append(0.0)
            continue
        spec, minutes = CATALOGUE[slot[0]], slot[1] * scale
        loads.append(spec.target_rpe * minutes)
        if days_ago <= 28:
            recent.append(
                PastSession(day, spec.type, spec.kind, spec.intensity, minutes, loads[-1])
            )
    weekdays = [int(rng.choice([45, 60, 75, 90])) for _ in range(5)]
    availability = (*weekdays, int(rng.choice([120, 150, 180])), int(rng.choice([120, 150, 180])))
    context = AthleteContext(
        today=today,
        availability_min=availability,  # type: ignore[arg-type]
        daily_load=tuple(loads),
        recent=tuple(recent),
    )
    candidates = enumerate_candidates(max_minutes=max(availability[today.weekday()], 30))
    return Case(context, candidates, *_predictions(rng, candidates))


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
    return Case(context, candidates, *_predictions(rng, candidates))


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


def _run(cases: list[Case]) -> tuple[dict[tuple[str, str], list[float]], dict[str, int]]:
    times: dict[tuple[str, str], list[float]] = {}
    counts = {"same_day0": 0, "same_objective": 0, "violations": 0}
    for case in cases:
        results = {}
        for solver in ("cpsat", "highs"):
            for name, func in (("choose_session", choose_session), ("plan_week", plan_week)):
                ms, result = _time_ms(func, case, solver)
                times.setdefault((name, solver), []).append(ms)
                results[(name, solver)] = result
                counts["violations"] += bool(violations(result, context=case.context))
        a, b = results[("choose_session", "cpsat")], results[("choose_session", "highs")]
        counts["same_day0"] += a.candidate == b.candidate
        counts["same_objective"] += abs(a.objective - b.objective) <= 1e-6 * max(
            1, abs(a.objective)
        )
    return times, counts


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    populations = {
        "random": [random_case(rng) for _ in range(args.cases // 2)],
        "steady": [steady_case(rng) for _ in range(args.cases - args.cases // 2)],
    }
    for solver in ("cpsat", "highs"):  # warm-up: imports and first-call setup
        _time_ms(choose_session, populations["random"][0], solver)
    print(
        f"{'population':<12}{'entry point':<16}{'solver':<8}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}"
    )
    for population, cases in populations.items():
        times, counts = _run(cases)
        for (name, solver), values in times.items():
            p50, p95 = np.percentile(values, [50, 95])
            print(f"{population:<12}{name:<16}{solver:<8}{p50:8.1f}{p95:8.1f}{max(values):8.1f}")
        print(
            f"{population}: solvers agree on today's session in {counts['same_day0']}/"
            f"{len(cases)}, on the objective in {counts['same_objective']}/{len(cases)}; "
            f"plans or choices breaking a rule: {counts['violations']}"
        )


if __name__ == "__main__":
    main()
