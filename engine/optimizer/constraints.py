"""Hard rules of the optimizer, checked on plain plans: the single source of what "allowed" means.

``day_problems`` checks one day of a plan against the athlete's load state
(``engine.optimizer.load_state``); ``violations`` checks a whole ``Choice`` or ``WeekPlan``. The
optimizer filters today's candidates with ``day_problems`` and encodes the same rules for later
days.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import NamedTuple

from engine.optimizer.catalogue import (
    CATEGORY_LABELS,
    Candidate,
    category_of,
    is_recovery,
    is_safe_when_unwell,
)
from engine.optimizer.limits import broken_limits
from engine.optimizer.load_state import DayFlags, History, acwr_path, ramp_cap, summarize_history
from engine.optimizer.rules import AthleteContext, Choice, Rules, WeekPlan

TOLERANCE_AU = 1e-6
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Problem(NamedTuple):
    """A broken rule: a short code (``risk``, ``ramp`` ...) and a human detail."""

    code: str
    detail: str


def _pair(first: DayFlags, second: DayFlags, *, neighbour: str) -> list[Problem]:
    out = []
    if first.hard and second.hard:
        out.append(Problem("hard_days", f"two hard days in a row ({neighbour})"))
    if (first.hard_run and second.strength) or (first.strength and second.hard_run):
        out.append(Problem("strength_spacing", f"strength next to a hard run ({neighbour})"))
    return out


def _load_problems(
    *, day: int, plan: Sequence[Candidate], history: History, rules: Rules
) -> list[Problem]:
    candidate, out = plan[day], list[Problem]()
    if is_recovery(candidate.kind):
        return out
    loads = [c.load_au for c in plan[: day + 1]]
    week = history.past_sum(day - 6, 0) + sum(loads)
    if week > ramp_cap(history, rules, day) + TOLERANCE_AU:
        cap = ramp_cap(history, rules, day)
        out.append(
            Problem(
                "ramp",
                f"7-day load would reach {week:.0f} AU, over the +{rules.ramp_max:.0%} ramp cap "
                f"of {cap:.0f} AU",
            )
        )
    acute, chronic = acwr_path(history, rules, loads)[-1]
    lo, hi = rules.acwr_band
    if acute > hi * chronic + TOLERANCE_AU:
        out.append(
            Problem(
                "acwr_high",
                f"acute:chronic load ratio would reach {acute / chronic:.2f}, above {hi:g}",
            )
        )
    quality = candidate.intensity in ("moderate", "hard")
    if quality and not history.lower_waived and acute < lo * chronic - TOLERANCE_AU:
        out.append(
            Problem(
                "acwr_low",
                f"acute:chronic load ratio would stay at {acute / chronic:.2f}, below {lo:g}",
            )
        )
    return out


def _structure_problems(
    *, day: int, plan: Sequence[Candidate], locked: Sequence[bool], history: History, rules: Rules
) -> list[Problem]:
    out, start = [], max(0, day - 6)
    for category, target in rules.weekly_structure.items():
        in_window = [
            category_of(type_id=c.type, kind=c.kind, intensity=c.intensity) == category
            for c in plan[start : day + 1]
        ]
        fixed = history.past_count(category, day) + sum(
            hit and lock for hit, lock in zip(in_window, locked[start : day + 1], strict=True)
        )
        count = history.past_count(category, day) + sum(in_window)
        if count > max(target, fixed):
            out.append(
                Problem(
                    "structure",
                    f"{count} {CATEGORY_LABELS[category]} in 7 days, "
                    f"the weekly structure allows {target}",
                )
            )
    return out


def day_problems(
    *,
    day: int,
    plan: Sequence[Candidate],
    locked: Sequence[bool],
    history: History,
    context: AthleteContext,
    rules: Rules,
) -> list[Problem]:
    """Hard rules broken on ``day`` of ``plan`` (day 0 = today; loads in AU, minutes).

    Locked days are exempt except from the unwell rule and the binding day limits (red flags,
    returns); a non-locked day must also respect a locked next day. Model thresholds (risk,
    readiness) are checked by ``prediction_problems``.
    """
    c = plan[day]
    out: list[Problem] = []
    if context.unwell and not is_safe_when_unwell(
        type_id=c.type, kind=c.kind, intensity=c.intensity
    ):
        out.append(
            Problem("unwell", "injury, pain or illness: only rest, mobility or easy cross-training")
        )
    when = context.today + timedelta(days=day)
    broken = broken_limits(context.limits, when, c, locked=locked[day])
    out += [Problem(limit.code, limit.detail) for limit in broken]
    if locked[day]:
        return out
    weekday = (context.today + timedelta(days=day)).weekday()
    if c.duration_min > context.availability_min[weekday]:
        minutes = context.availability_min[weekday]
        out.append(Problem("availability", f"only {minutes} min available on {WEEKDAYS[weekday]}"))
    previous = history.yesterday if day == 0 else DayFlags.of([plan[day - 1]])
    before = "yesterday" if day == 0 else "the day before"
    out += _pair(previous, DayFlags.of([c]), neighbour=f"{before}: {previous.label}")
    if day + 1 < len(plan) and locked[day + 1]:
        following = DayFlags.of([plan[day + 1]])
        out += _pair(DayFlags.of([c]), following, neighbour=f"locked next day: {following.label}")
    out += _load_problems(day=day, plan=plan, history=history, rules=rules)
    return out + _structure_problems(
        day=day, plan=plan, locked=locked, history=history, rules=rules
    )


def prediction_problems(
    *, candidate: Candidate, readiness: float, injury_risk: float, rules: Rules
) -> list[Problem]:
    """Model thresholds for today: risk ceiling for training, readiness floor for moderate/hard.

    A missing (NaN) prediction fails the threshold it is needed for.
    """
    if is_recovery(candidate.kind):
        return []
    out = []
    if not injury_risk <= rules.risk_ceiling:
        out.append(
            Problem(
                "risk",
                f"predicted 7-day injury risk {injury_risk:.0%} is over the "
                f"{rules.risk_ceiling:.0%} ceiling",
            )
        )
    if candidate.intensity in ("moderate", "hard") and not readiness >= rules.readiness_floor:
        out.append(
            Problem(
                "readiness",
                f"predicted readiness {readiness:.0f} is under the "
                f"{rules.readiness_floor:.0f} floor for moderate/hard sessions",
            )
        )
    return out


def locked_for(context: AthleteContext, day: int) -> Candidate | None:
    """The coach's lock for ``day``, unless it is not safe: the athlete is unwell, or a day
    limit (red flag, return, taper) rules it out."""
    when = context.today + timedelta(days=day)
    c = context.locked.get(when)
    if c is None or broken_limits(context.limits, when, c, locked=True):
        return None
    if not context.unwell:
        return c
    return c if is_safe_when_unwell(type_id=c.type, kind=c.kind, intensity=c.intensity) else None


def violations(
    plan_or_choice: Choice | WeekPlan, *, context: AthleteContext, rules: Rules | None = None
) -> list[str]:
    """Every hard rule a choice or plan breaks, as ``"<date>: <code>: <detail>"`` strings.

    A ``Choice`` is checked as today's session (with the model thresholds, and against a
    locked tomorrow); a ``WeekPlan`` day by day (its days must start today, one per day).
    """
    rules = rules or Rules()
    history = summarize_history(context, rules)
    if isinstance(plan_or_choice, Choice):
        plan, locked = [plan_or_choice.candidate], [locked_for(context, 0) is not None]
        if (tomorrow := locked_for(context, 1)) is not None:
            plan, locked = [*plan, tomorrow], [*locked, True]
        checked = 1
    else:
        plan = [d.candidate for d in plan_or_choice.days]
        locked, checked = [d.locked for d in plan_or_choice.days], len(plan)
        if [d.date for d in plan_or_choice.days] != [
            context.today + timedelta(days=k) for k in range(checked)
        ]:
            return [f"{context.today}: dates: plan days must be consecutive from today"]
    out = []
    for day in range(checked):
        when = context.today + timedelta(days=day)
        lock = locked_for(context, day)
        if (lock is not None) != locked[day] or (lock is not None and lock != plan[day]):
            out.append(f"{when}: locked: the coach's lock for this day is not respected")
        problems = day_problems(
            day=day, plan=plan, locked=locked, history=history, context=context, rules=rules
        )
        out += [f"{when}: {p.code}: {p.detail}" for p in problems]
    if isinstance(plan_or_choice, Choice) and not locked[0]:
        problems = prediction_problems(
            candidate=plan_or_choice.candidate,
            readiness=plan_or_choice.readiness,
            injury_risk=plan_or_choice.injury_risk,
            rules=rules,
        )
        out += [f"{context.today}: {p.code}: {p.detail}" for p in problems]
    return out
