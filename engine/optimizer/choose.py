"""Choose today's session and plan the week: candidates + predictions + hard rules -> decision.

Pure: plain data and NumPy arrays in, dataclasses out. Both entry points solve receding-horizon
problems (``engine.optimizer.horizon``): day 0 is scored with the models' predictions, later days
with the candidates' loads only, under the same hard rules (``engine.optimizer.constraints``).
``choose_session`` solves today and the next ``CHOICE_HORIZON_DAYS - 1`` days (up to the week's last
lock, if later) and returns day 0; ``plan_week`` makes that same choice, pins it as day 0 and solves
the full 7-day horizon around it, so its first day always equals ``choose_session``'s choice. See
docs/optimizer.md for the rules, the objective, its weights and why the choice horizon is shorter
than the plan.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from engine.optimizer.catalogue import (
    CATALOGUE,
    Candidate,
    is_recovery,
    is_safe_when_unwell,
    make_candidate,
)
from engine.optimizer.constraints import Problem, day_problems, locked_for, prediction_problems
from engine.optimizer.horizon import (
    DayOptions,
    plan_objective,
    solve_horizon,
    stimulus,
    today_penalty,
)
from engine.optimizer.limits import broken_limits, limits_on
from engine.optimizer.load_state import History, summarize_history
from engine.optimizer.reasons import choice_reasons, context_notes, plan_notes, planned_days
from engine.optimizer.rules import (
    AthleteContext,
    Choice,
    ObjectiveWeights,
    PastSession,
    PlannedDay,
    Rules,
    WeekPlan,
)
from engine.optimizer.solvers import Solver

__all__ = [
    "AthleteContext",
    "Choice",
    "ObjectiveWeights",
    "PastSession",
    "PlannedDay",
    "Rules",
    "WeekPlan",
    "choose_session",
    "plan_week",
]

HORIZON_DAYS = 7
# Days solved to choose today's session (today + 3). On 80 simulated athletes the 4-day choice
# equals the 7-day one in 69% of mornings and costs 0.5% of the week's objective on average,
# at a third of the solve time (p50 18 -> 6 ms); see docs/optimizer.md.
CHOICE_HORIZON_DAYS = 4
DEFAULT_SOLVER: Solver = "cpsat"  # faster p50/p95 and deterministic under a work limit


@dataclass(frozen=True)
class _Today:
    options: DayOptions
    readiness: np.ndarray
    injury_risk: np.ndarray
    rejected: list[tuple[Candidate, list[Problem]]]
    fallback: bool


def _pin(today: _Today, index: int) -> _Today:
    """Today restricted to option ``index`` (day 0 of the week plan is the choice already made)."""
    options = today.options
    pinned = DayOptions((options.candidates[index],), options.locked, options.value[[index]])
    return _Today(
        pinned,
        today.readiness[[index]],
        today.injury_risk[[index]],
        today.rejected,
        today.fallback,
    )


def _dedupe(candidates: Sequence[Candidate]) -> list[Candidate]:
    return list(dict.fromkeys(candidates))


def _later_pool(pool: Sequence[Candidate]) -> list[Candidate]:
    """The caller's candidates plus every catalogue duration of the same types.

    Callers usually cut today's pool to today's minutes; later days have their own availability.
    """
    types = {c.type for c in pool if c.type in CATALOGUE}
    extra = [
        make_candidate(t, m) for t in CATALOGUE if t in types for m in CATALOGUE[t].durations_min
    ]
    return _dedupe([*pool, *extra])


def _with_rest(options: list[Candidate]) -> list[Candidate]:
    return (
        options if any(c.kind == "rest" for c in options) else [*options, make_candidate("rest", 0)]
    )


def _today(
    *,
    context: AthleteContext,
    pool: Sequence[Candidate],
    predictions: dict[Candidate, tuple[float, float]],
    history: History,
    rules: Rules,
) -> _Today:
    lock, tomorrow = locked_for(context, 0), locked_for(context, 1)
    rejected: list[tuple[Candidate, list[Problem]]] = []
    if lock is not None:
        kept = [lock]
    else:
        plan_tail, locked = ([tomorrow], [False, True]) if tomorrow else ([], [False])
        kept = []
        for c in pool:
            r, p = predictions[c]
            problems = day_problems(
                day=0,
                plan=[c, *plan_tail],
                locked=locked,
                history=history,
                context=context,
                rules=rules,
            ) + prediction_problems(candidate=c, readiness=r, injury_risk=p, rules=rules)
            if problems:
                rejected.append((c, problems))
            else:
                kept.append(c)
        kept = _with_rest(kept)
    nan = (math.nan, math.nan)
    readiness = np.array([predictions.get(c, nan)[0] for c in kept])
    risk = np.array([predictions.get(c, nan)[1] for c in kept])
    value = np.array(
        [
            stimulus(c, rules.weights) - today_penalty(r, p, rules.weights)
            for c, r, p in zip(kept, readiness, risk, strict=True)
        ]
    )
    fallback = lock is None and all(is_recovery(c.kind) for c in kept)
    return _Today(
        DayOptions(tuple(kept), lock is not None, value), readiness, risk, rejected, fallback
    )


def _fits(c: Candidate, *, minutes: int, context: AthleteContext, day: int) -> bool:
    safe = is_safe_when_unwell(type_id=c.type, kind=c.kind, intensity=c.intensity)
    when = context.today + timedelta(days=day)
    return (
        c.duration_min <= minutes
        and (safe or not context.unwell)
        and not broken_limits(context.limits, when, c)
    )


def _later(
    *, context: AthleteContext, pool: Sequence[Candidate], day: int, rules: Rules
) -> DayOptions:
    lock = locked_for(context, day)
    if lock is not None:
        options = [lock]
    else:
        minutes = context.availability_min[(context.today + timedelta(days=day)).weekday()]
        options = _with_rest(
            [c for c in pool if _fits(c, minutes=minutes, context=context, day=day)]
        )
    discount = rules.weights.discount**day
    value = np.array([discount * stimulus(c, rules.weights) for c in options])
    return DayOptions(tuple(options), lock is not None, value)


@dataclass(frozen=True)
class _Solved:
    today: _Today
    days: list[DayOptions]
    picks: list[int]
    objective: float
    history: History
    solved: bool

    @property
    def plan(self) -> list[Candidate]:
        return [d.candidates[j] for d, j in zip(self.days, self.picks, strict=True)]


def _predictions(
    candidates: Sequence[Candidate], readiness: np.ndarray, injury_risk: np.ndarray
) -> dict[Candidate, tuple[float, float]]:
    """Readiness (0-100) and injury risk (0-1) by candidate (first wins for duplicates)."""
    readiness, injury_risk = np.asarray(readiness, float), np.asarray(injury_risk, float)
    if readiness.shape != (len(candidates),) or injury_risk.shape != (len(candidates),):
        raise ValueError(
            f"readiness {readiness.shape} and injury_risk {injury_risk.shape} need one value "
            f"per candidate ({len(candidates)})"
        )
    out: dict[Candidate, tuple[float, float]] = {}
    for c, r, p in zip(candidates, readiness, injury_risk, strict=True):
        out.setdefault(c, (float(r), float(p)))
    return out


@dataclass(frozen=True)
class _Problem:
    """Everything both horizons share: today's filtered options and the later-day pool."""

    context: AthleteContext
    rules: Rules
    history: History
    today: _Today
    later: list[Candidate]
    solver: Solver


def _problem(
    *,
    context: AthleteContext,
    candidates: Sequence[Candidate],
    readiness: np.ndarray,
    injury_risk: np.ndarray,
    rules: Rules,
    solver: Solver,
    later_candidates: Sequence[Candidate] | None,
) -> _Problem:
    predictions = _predictions(candidates, readiness, injury_risk)
    history = summarize_history(context, rules)
    pool = _dedupe(candidates)
    today = _today(
        context=context, pool=pool, predictions=predictions, history=history, rules=rules
    )
    later = _later_pool(pool if later_candidates is None else _dedupe(later_candidates))
    return _Problem(context, rules, history, today, later, solver)


def choice_horizon(context: AthleteContext) -> int:
    """Days solved for today's choice: ``CHOICE_HORIZON_DAYS``, or up to the last lock of the
    week, so the choice already counts every locked session (the week plan pins it and must
    still fit them)."""
    locked = [d for d in range(HORIZON_DAYS) if locked_for(context, d) is not None]
    return max(CHOICE_HORIZON_DAYS, max(locked, default=0) + 1)


def _solve(p: _Problem, *, horizon: int, pinned: Candidate | None = None) -> _Solved:
    """Solve days 0 .. horizon - 1; ``pinned`` fixes day 0 to a choice already made."""
    today = p.today
    if pinned is not None:
        today = _pin(today, today.options.candidates.index(pinned))
    days = [today.options] + [
        _later(context=p.context, pool=p.later, day=d, rules=p.rules) for d in range(1, horizon)
    ]
    picks = solve_horizon(days=days, history=p.history, rules=p.rules, solver=p.solver)
    solved = picks is not None
    if picks is None:  # never seen in tests; the documented safe answer is rest
        picks = [
            0
            if d.locked or len(d.candidates) == 1  # a lock, or today's pinned choice
            else next(j for j, c in enumerate(d.candidates) if c.kind == "rest")
            for d in days
        ]
    objective = plan_objective(days=days, picks=picks, history=p.history, rules=p.rules)
    return _Solved(today, days, picks, objective, p.history, solved)


def _choice(context: AthleteContext, s: _Solved, rules: Rules) -> Choice:
    j = s.picks[0]
    chosen = s.today.options.candidates[j]
    readiness, risk = float(s.today.readiness[j]), float(s.today.injury_risk[j])
    fallback = s.today.fallback or (not s.solved and not s.today.options.locked)
    applied = _rules_applied(context, s.today.rejected)
    limit_codes = {limit.code for limit in limits_on(context.limits, context.today)}
    reasons = choice_reasons(
        context=context,
        chosen=chosen,
        readiness=readiness,
        injury_risk=risk,
        rejected=s.today.rejected,
        fallback=fallback,
        locked=s.today.options.locked,
        context_notes=context_notes(context=context, plan=s.plan, history=s.history, rules=rules),
        limit_notes=[a for a in applied if a.split(":", 1)[0] in limit_codes],
    )
    return Choice(chosen, readiness, risk, reasons, fallback, s.objective, applied)


def _rules_applied(
    context: AthleteContext, rejected: Sequence[tuple[Candidate, Sequence[Problem]]]
) -> tuple[str, ...]:
    """Every hard rule that ruled out a session today, once each, as ``"<code>: <detail>"``
    (day limits first, then the flags, then the load and model rules)."""
    found: dict[str, str] = {}
    for limit in limits_on(context.limits, context.today):
        if any(p.code == limit.code for _, problems in rejected for p in problems):
            found.setdefault(limit.code, limit.detail)
    for _, problems in rejected:
        for p in problems:
            found.setdefault(p.code, p.detail)
    return tuple(f"{code}: {detail}" for code, detail in found.items())


def choose_session(
    *,
    context: AthleteContext,
    candidates: Sequence[Candidate],
    readiness: np.ndarray,
    injury_risk: np.ndarray,
    rules: Rules = Rules(),  # noqa: B008 - frozen, so a shared default is safe
    solver: Solver = DEFAULT_SOLVER,
    later_candidates: Sequence[Candidate] | None = None,
) -> Choice:
    """Pick today's session: day 0 of the best plan for today and the next 3 days.

    Args:
        context: The athlete on ``context.today``, before training.
        candidates: Sessions that could be done today.
        readiness: Predicted next-day readiness (0-100) per candidate done today.
        injury_risk: Predicted 7-day injury risk (0-1) per candidate done today.
        rules: Guard rails and objective weights.
        solver: ``"cpsat"`` (OR-Tools CP-SAT, default) or ``"highs"`` (scipy MILP).
        later_candidates: Sessions offered on later days (each at every catalogue duration of
            its type); default: the types of ``candidates``.

    Returns:
        The choice with its predictions, 2-4 reasons and whether it is the rest/mobility
        fallback (no training session passed the rules). Never raises for infeasibility.
        ``objective`` is that of the ``CHOICE_HORIZON_DAYS``-day plan the choice heads.

    Raises:
        ValueError: The prediction arrays do not match ``candidates``.
    """
    problem = _problem(
        context=context,
        candidates=candidates,
        readiness=readiness,
        injury_risk=injury_risk,
        rules=rules,
        solver=solver,
        later_candidates=later_candidates,
    )
    return _choice(context, _solve(problem, horizon=choice_horizon(context)), rules)


def plan_week(
    *,
    context: AthleteContext,
    candidates: Sequence[Candidate],
    readiness: np.ndarray,
    injury_risk: np.ndarray,
    rules: Rules = Rules(),  # noqa: B008 - frozen, so a shared default is safe
    days: int = 7,
    solver: Solver = DEFAULT_SOLVER,
    later_candidates: Sequence[Candidate] | None = None,
) -> WeekPlan:
    """Plan the next ``days`` days (1-7) from today; day 0 equals ``choose_session``'s choice.

    Arguments are those of ``choose_session``. Today's choice is made exactly as there, then the
    7-day horizon is solved with day 0 pinned to it; the first ``days`` days are returned.

    Raises:
        ValueError: ``days`` is outside 1-7 or the prediction arrays do not match.
    """
    if not 1 <= days <= HORIZON_DAYS:
        raise ValueError(f"days must be 1-{HORIZON_DAYS}, got {days}")
    problem = _problem(
        context=context,
        candidates=candidates,
        readiness=readiness,
        injury_risk=injury_risk,
        rules=rules,
        solver=solver,
        later_candidates=later_candidates,
    )
    short = _solve(problem, horizon=choice_horizon(context))
    choice = _choice(context, short, rules)
    s = _solve(problem, horizon=HORIZON_DAYS, pinned=choice.candidate)
    short_notes, notes = plan_notes(context=context, plan=s.plan, history=s.history, rules=rules)
    if choice.fallback:
        notes.insert(
            0,
            f"today: no training session passed the rules; {choice.candidate.type} is the fallback",
        )
    if not (short.solved and s.solved):
        notes.insert(0, "the solver returned no plan in time; rest planned on open days")
    planned = planned_days(
        context=context,
        plan=s.plan,
        locked=[d.locked for d in s.days],
        rules=rules,
        today_reasons=choice.reasons,
    )
    feasible = short.solved and s.solved and not choice.fallback and not short_notes
    return WeekPlan(planned[:days], s.objective, feasible, notes, choice.rules_applied)
