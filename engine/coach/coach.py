"""The coach's daily path: history -> this morning's state -> recommendation or week plan.

Pure (no I/O). ``prepare_morning`` does the slow part once per athlete, day and log version
(the feature table, the load context, the block, the reassessment, the strength levels), so a
caller may cache it. ``recommend_today`` and ``plan_days`` are the fast part: block rules and
candidates, adaptation, the models' predictions for every candidate, the optimizer, and the
prescriptions. Today's session of ``plan_days`` is always ``recommend_today``'s (both make the
same ``choose_session`` choice). See docs/coaching.md.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from engine.coach.adaptation import Trigger, adapt_today, detect_triggers, plan_changes
from engine.coach.answer import Recommendation, session_dict, to_recommendation
from engine.coach.goals import GoalEvent, goal_plan
from engine.coach.morning import NOVICE_YEARS, Morning, prepare_morning
from engine.coach.periodisation import (
    Block,
    block_candidates,
    block_rules,
    horizon_target,
)
from engine.coach.prescription import prescribe_session
from engine.coach.progression import (
    prescribe_strength,
)
from engine.coach.scoring import ModelSet, predict_candidates
from engine.optimizer.catalogue import Candidate, enumerate_candidates
from engine.optimizer.choose import (
    AthleteContext,
    Choice,
    ObjectiveWeights,
    Rules,
    WeekPlan,
    choose_session,
    plan_week,
)
from engine.optimizer.limits import merge_limits
from engine.optimizer.load_state import summarize_history

__all__ = [
    "NOVICE_YEARS",
    "CoachPlan",
    "Inputs",
    "Morning",
    "changes_since",
    "choose",
    "default_rules",
    "optimizer_inputs",
    "personal_rules",
    "plan_days",
    "planned_units",
    "prepare_morning",
    "prescription_for",
    "recommend_today",
    "rules_applied",
    "unscored_inputs",
]

# Readiness scales are personal (people rate the same state differently): the configured
# readiness floor is a minimum; an athlete whose own 28-day mean sits high gets a floor this many
# points under it, if that is higher. Personal adaptation never lowers the floor (issue 12: a
# personal floor down to 10 let hard sessions through at predicted readiness 12-25).
PERSONAL_FLOOR_MARGIN = 30.0


# The optimizer's today-only penalties (risk, readiness) against the later days' discount: at
# the optimizer's defaults (2000 points per unit of risk, 10 per readiness point, 0.9 per day)
# a 1-2 point difference in predicted risk between a key session and rest outweighs one day's
# discount, so key sessions kept sliding to "tomorrow" and were never done (closed loop: ~12%
# less load than planned). The coach weighs risk and readiness less and discounts later days
# more; the hard risk ceiling and readiness floor are unchanged.
# Strength work earns 0.3 points per AU on top of its intensity weight: without it a strength
# session was the lowest-valued training per AU (runs also earn climb and descent credit), so
# under the weekly load target the second strength session of the week was the first thing
# dropped (closed loop: 1.1-1.2 strength sessions a week against the structure's 2, and the
# athletes' hidden muscular fitness fell while the template's held). With it: 1.3 a week.
COACH_WEIGHTS = ObjectiveWeights(risk=600.0, readiness=3.0, discount=0.85, strength_per_au=0.3)


def default_rules(**overrides: Any) -> Rules:
    """The coach's guard rails: ``Rules`` defaults with ``COACH_WEIGHTS``."""
    return Rules(**{"weights": COACH_WEIGHTS, **overrides})


@dataclass(frozen=True)
class Inputs:
    """What the optimizer gets this morning, and why it differs from the defaults."""

    context: AthleteContext
    candidates: list[Candidate]
    later: list[Candidate]
    readiness: np.ndarray
    injury_risk: np.ndarray
    rules: Rules
    triggers: list[Trigger]
    notes: list[str]
    goal: dict[str, Any] | None = None


def planned_units(context: AthleteContext, *, completion: float) -> AthleteContext:
    """The context with its logged daily loads in planned units (logged / completion).

    The optimizer compares the plan with past loads (ramp, acute:chronic band, target); an
    athlete who logs 85% of what is planned would otherwise see every plan shrink by 15%.
    """
    if not 0 < completion < 1:
        return context
    return replace(context, daily_load=tuple(x / completion for x in context.daily_load))


def personal_rules(rules: Rules, *, readiness_base: float) -> Rules:
    """``rules`` with the comfort level set from the athlete's own mean readiness (0-100, last
    28 days) when that sits lower, and the floor raised (never lowered) when it sits high."""
    if not math.isfinite(readiness_base):
        return rules
    floor = min(readiness_base - PERSONAL_FLOOR_MARGIN, 100.0)
    comfortable = min(rules.weights.readiness_comfortable, readiness_base)
    return replace(
        rules,
        readiness_floor=max(rules.readiness_floor, floor),
        weights=replace(rules.weights, readiness_comfortable=comfortable),
    )


def unscored_inputs(
    morning: Morning,
    *,
    rules: Rules,
    locks: Mapping[dt.date, Candidate],
    planned_yesterday: Candidate | None = None,
    events: Sequence[GoalEvent] = (),
) -> Inputs:
    """Block rules and candidates, goal events and the adaptation; predictions still NaN."""
    block, today = morning.block, morning.today
    goal = goal_plan(events, today=today)
    locks = {**goal.locks, **locks}  # a coach's lock on a race day wins
    ctx = planned_units(morning.context, completion=morning.volume.completion)
    history = summarize_history(ctx, rules)
    base = float(morning.base_row["readiness_score_base"].iloc[0])
    steered = block_rules(
        personal_rules(rules, readiness_base=base),
        block=block,
        target_au=horizon_target(morning.volume, anchor=morning.anchor, today=today),
        reference_au=max(history.last7, rules.ramp_floor_au, history.weekly_avg),
        default_overload=rules.weights.overload,
    )
    steered = goal.steer(steered)
    offered = [
        *block_candidates(enumerate_candidates(), block=block, novice=morning.novice),
        *goal.long_runs,
    ]
    minutes = max(ctx.availability_min[today.weekday()], 30)
    candidates = [c for c in offered if c.duration_min <= minutes or c.kind == "rest"]
    triggers = detect_triggers(
        morning.signals,
        flags={"open_injury": ctx.open_injury, "pain": ctx.pain, "illness": ctx.illness},
        planned_yesterday=planned_yesterday,
        done_yesterday_min=morning.done_min.get(today - dt.timedelta(days=1), 0.0),
    )
    candidates, steered, notes = adapt_today(triggers, candidates=candidates, rules=steered)
    lock = locks.get(today)
    if lock is not None and lock not in candidates:
        candidates.append(lock)  # so the locked session gets its predictions too
    nan = np.full(len(candidates), np.nan)
    context = replace(ctx, locked=dict(locks), limits=merge_limits(ctx.limits, goal.limits))
    return Inputs(
        context, candidates, offered, nan, nan.copy(), steered, triggers, notes, goal.summary
    )


def optimizer_inputs(
    morning: Morning,
    models: ModelSet,
    *,
    rules: Rules,
    locks: Mapping[dt.date, Candidate],
    planned_yesterday: Candidate | None = None,
    events: Sequence[GoalEvent] = (),
) -> Inputs:
    """Block rules and candidates, adaptation, and the models' predictions for today."""
    inputs = unscored_inputs(
        morning, rules=rules, locks=locks, planned_yesterday=planned_yesterday, events=events
    )
    matrix = morning.candidate_rows(inputs.candidates) if models.available else None
    readiness, risk = predict_candidates(morning.base_row, inputs.candidates, models, matrix=matrix)
    return replace(inputs, readiness=readiness, injury_risk=risk)


def choose(inputs: Inputs) -> Choice:
    """The optimizer's choice for today from these inputs."""
    return choose_session(
        context=inputs.context,
        candidates=inputs.candidates,
        readiness=inputs.readiness,
        injury_risk=inputs.injury_risk,
        rules=inputs.rules,
        later_candidates=inputs.later,
    )


def _block_note(block: Block) -> str:
    return f"{block.phase} week {block.week_in_block} of 4 of the {block.emphasis} block"


def prescription_for(
    morning: Morning, candidate: Candidate, *, reasons: list[str], notes: list[str]
) -> dict[str, Any]:
    """The full prescription of one session for this athlete and block."""
    exercises = prescribe_strength(
        candidate.type, levels=morning.levels, block=morning.block, signals=morning.signals
    )
    return prescribe_session(
        candidate,
        block=morning.block,
        heart=morning.heart,
        signals=morning.signals,
        exercises=exercises,
        reasons=reasons,
        notes=[*notes, _block_note(morning.block)],
    )


def recommend_today(
    morning: Morning,
    models: ModelSet,
    *,
    rules: Rules,
    locks: Mapping[dt.date, Candidate],
    events: Sequence[GoalEvent] = (),
) -> Recommendation:
    """Today's session with its prescription and block (the recommendation contract)."""
    inputs = optimizer_inputs(morning, models, rules=rules, locks=locks, events=events)
    choice = choose(inputs)
    prescription = prescription_for(
        morning, choice.candidate, reasons=choice.reasons, notes=inputs.notes
    )
    return to_recommendation(
        morning.athlete_id,
        morning.today,
        choice,
        models,
        prescription=prescription,
        block=morning.block.to_dict(),
        rules_applied=rules_applied(inputs, choice),
        readiness_floor=inputs.rules.readiness_floor,
    )


def rules_applied(inputs: Inputs, choice: Choice) -> tuple[str, ...]:
    """The rules that shaped today: the adaptation's (bad night, soreness) and every hard rule
    that ruled a session out, as ``"<code>: <detail>"``."""
    adapted = [
        f"{t.code}: {t.detail}: no hard session today"
        for t in inputs.triggers
        if t.code in ("bad_night", "soreness")
    ]
    return tuple(dict.fromkeys([*adapted, *choice.rules_applied]))


@dataclass(frozen=True)
class CoachPlan:
    """A week plan with everything the coach says about it."""

    morning: Morning
    plan: WeekPlan
    inputs: Inputs
    prescriptions: list[dict[str, Any]]
    recommendation: Recommendation

    def by_date(self) -> dict[dt.date, Candidate]:
        return {d.date: d.candidate for d in self.plan.days}

    def to_dict(self, *, changes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The plan JSON: days, block, reassessment, changes, notes."""
        days = [
            {
                "date": d.date.isoformat(),
                "session": session_dict(d.candidate),
                "locked": d.locked,
                "reasons": list(d.reasons),
                "prescription": p,
            }
            for d, p in zip(self.plan.days, self.prescriptions, strict=True)
        ]
        r = self.morning.reassessment
        rec = self.recommendation
        return {
            "athlete_id": self.morning.athlete_id,
            "date": self.morning.today.isoformat(),
            "days": days,
            "block": self.morning.block.to_dict(),
            "reassessment": r.to_dict() if r else None,
            "changes": list(changes or []),
            "notes": [*self.inputs.notes, *self.plan.notes, *_exercise_note(self.morning)],
            "feasible": self.plan.feasible,
            "predicted": rec.predicted,
            "model_versions": rec.model_versions,
            "degraded": rec.degraded,
            "degraded_reason": rec.degraded_reason,
            "rules_applied": list(rec.rules_applied),
            "readiness_floor": rec.readiness_floor,
            "goal": self.inputs.goal,
            "unmapped_exercises": list(self.morning.unmapped_exercises),
        }


def _exercise_note(morning: Morning) -> list[str]:
    names = morning.unmapped_exercises
    if not names:
        return []
    more = f" and {len(names) - 8} more" if len(names) > 8 else ""
    return [
        f"{len(names)} logged exercises are not in the catalogue and are tracked as logged: "
        f"{', '.join(names[:8])}{more}"
    ]


def plan_days(
    morning: Morning,
    models: ModelSet,
    *,
    rules: Rules,
    locks: Mapping[dt.date, Candidate],
    days: int = 7,
    planned_yesterday: Candidate | None = None,
    events: Sequence[GoalEvent] = (),
) -> CoachPlan:
    """The next ``days`` days (1-7) from today; day 0 is ``recommend_today``'s session."""
    inputs = optimizer_inputs(
        morning,
        models,
        rules=rules,
        locks=locks,
        planned_yesterday=planned_yesterday,
        events=events,
    )
    plan = plan_week(
        context=inputs.context,
        candidates=inputs.candidates,
        readiness=inputs.readiness,
        injury_risk=inputs.injury_risk,
        rules=inputs.rules,
        days=days,
        later_candidates=inputs.later,
    )
    prescriptions = [
        prescription_for(
            morning, d.candidate, reasons=d.reasons, notes=inputs.notes if k == 0 else []
        )
        for k, d in enumerate(plan.days)
    ]
    day0 = plan.days[0]
    readiness, risk = _predicted(inputs, day0.candidate)
    choice = Choice(
        day0.candidate, readiness, risk, day0.reasons, False, plan.objective, plan.rules_applied
    )
    rec = to_recommendation(
        morning.athlete_id,
        morning.today,
        choice,
        models,
        prescription=prescriptions[0],
        block=morning.block.to_dict(),
        rules_applied=rules_applied(inputs, choice),
        readiness_floor=inputs.rules.readiness_floor,
    )
    return CoachPlan(morning, plan, inputs, prescriptions, rec)


def _predicted(inputs: Inputs, candidate: Candidate) -> tuple[float, float]:
    """The models' readiness and risk for a candidate done today (first match; NaN if none)."""
    for c, r, p in zip(inputs.candidates, inputs.readiness, inputs.injury_risk, strict=True):
        if c == candidate:
            return float(r), float(p)
    return math.nan, math.nan


def changes_since(today: CoachPlan, yesterday: CoachPlan | None) -> list[dict[str, Any]]:
    """The days whose session changed since yesterday's plan, and why."""
    if yesterday is None:
        return []
    locked = {d.date: d.locked for d in today.plan.days}
    return plan_changes(
        yesterday.by_date(), today.by_date(), triggers=today.inputs.triggers, locked=locked
    )
