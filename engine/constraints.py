"""Hard rules of the optimizer, checked on plain plans: the single source of what "allowed" means.

``summarize_history`` condenses the context into the numbers the rules need; ``day_problems``
checks one day of a plan; ``violations`` checks a whole ``Choice`` or ``WeekPlan``. The optimizer
filters today's candidates with ``day_problems`` and encodes the same rules for later days.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple, Protocol

import numpy as np

from engine.catalogue import (
    CATEGORY_LABELS,
    STRUCTURE_CATEGORIES,
    Candidate,
    category_of,
    is_recovery,
    is_safe_when_unwell,
)
from engine.planning import AthleteContext, Choice, Rules, WeekPlan

TOLERANCE_AU = 1e-6
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Session(Protocol):
    """Anything with a type, kind and intensity (a ``Candidate`` or a ``PastSession``)."""

    type: str
    kind: str
    intensity: str


class Problem(NamedTuple):
    """A broken rule: a short code (``risk``, ``ramp`` ...) and a human detail."""

    code: str
    detail: str


@dataclass(frozen=True)
class DayFlags:
    """What kind of day a set of sessions makes (for the spacing rules)."""

    hard: bool = False
    hard_run: bool = False
    strength: bool = False
    label: str = "rest"

    @classmethod
    def of(cls, sessions: Sequence[Session]) -> DayFlags:
        """Flags of a day holding ``sessions`` (any hard session makes a hard day)."""
        return cls(
            hard=any(s.intensity == "hard" for s in sessions),
            hard_run=any(s.kind == "run" and s.intensity == "hard" for s in sessions),
            strength=any(s.kind == "strength" for s in sessions),
            label=", ".join(s.type for s in sessions) or "rest",
        )


@dataclass(frozen=True)
class History:
    """The numbers the rules need from the days before today (loads in AU).

    Attributes:
        loads: Daily loads before today, oldest first.
        acute: Acute EWMA after yesterday (AU/day).
        chronic: Chronic EWMA after yesterday (AU/day).
        last7: Load of the last 7 days.
        weekly_avg: Average 7-day load over up to the last 28 days.
        yesterday: Flags of yesterday's logged sessions.
        past_counts: Per structure category, sessions on days -6..-1 (index 0 = 6 days ago).
        returning: Last 7 days under ``ramp_floor_au`` (returning from a break).
        lower_waived: The acute:chronic lower bound is waived for this plan.
    """

    loads: np.ndarray
    acute: float
    chronic: float
    last7: float
    weekly_avg: float
    yesterday: DayFlags
    past_counts: Mapping[str, np.ndarray]
    returning: bool
    lower_waived: bool

    def past_sum(self, start: int, stop: int) -> float:
        """Load of days ``start``..``stop - 1`` (negative offsets from today; missing = 0)."""
        n = len(self.loads)
        lo, hi = max(n + start, 0), max(min(n + stop, n), 0)
        return float(self.loads[lo:hi].sum()) if hi > lo else 0.0

    def past_count(self, category: str, day: int) -> int:
        """Logged sessions of ``category`` in the 7-day window ending on ``day`` (before today)."""
        return int(self.past_counts[category][day:].sum()) if day < 6 else 0


def ewma_lambdas(rules: Rules) -> tuple[float, float]:
    """Acute and chronic EWMA decay (Williams et al. 2017: lambda = 2 / (span + 1))."""
    return 2.0 / (rules.acute_days + 1), 2.0 / (rules.chronic_days + 1)


def _ewma_last(loads: np.ndarray, lam: float) -> float:
    weights = lam * (1.0 - lam) ** np.arange(len(loads))[::-1]
    return float(weights @ loads)


def summarize_history(context: AthleteContext, rules: Rules) -> History:
    """Condense ``context`` into a ``History`` (EWMAs start from zero, as in the pipelines)."""
    loads = np.asarray(context.daily_load, dtype=float)
    lam_a, lam_c = ewma_lambdas(rules)
    acute, chronic = _ewma_last(loads, lam_a), _ewma_last(loads, lam_c)
    n28 = min(len(loads), 28)
    weekly_avg = float(loads[-n28:].sum()) * 7.0 / n28 if n28 >= 7 else 0.0
    counts = {g: np.zeros(6, dtype=int) for g in STRUCTURE_CATEGORIES}
    yesterday = []
    for s in context.recent:
        offset = (s.date - context.today).days
        category = category_of(type_id=s.type, kind=s.kind, intensity=s.intensity)
        if -6 <= offset <= -1 and category in counts:
            counts[category][offset + 6] += 1
        if offset == -1:
            yesterday.append(s)
    last7 = float(loads[-7:].sum())
    returning = last7 < rules.ramp_floor_au
    below_band = acute < rules.acwr_band[0] * max(chronic, rules.chronic_floor_au)
    return History(
        loads,
        acute,
        chronic,
        last7,
        weekly_avg,
        DayFlags.of(yesterday),
        counts,
        returning,
        returning or below_band,
    )


def ramp_cap(history: History, rules: Rules, day: int) -> float:
    """Max 7-day load (AU) for the window ending on ``day``: (1 + ramp_max) x reference week.

    The reference is the previous 7 days, but never below ``ramp_floor_au`` nor the athlete's
    28-day weekly average (so a deload or a break does not lock the athlete in).
    """
    previous = history.past_sum(day - 13, day - 6)
    return (1.0 + rules.ramp_max) * max(previous, rules.ramp_floor_au, history.weekly_avg)


def acwr_path(history: History, rules: Rules, loads: Sequence[float]) -> list[tuple[float, float]]:
    """Acute and floored chronic EWMA (AU/day) after each planned day's ``loads``."""
    lam_a, lam_c = ewma_lambdas(rules)
    acute, chronic, path = history.acute, history.chronic, []
    for load in loads:
        acute = (1 - lam_a) * acute + lam_a * load
        chronic = (1 - lam_c) * chronic + lam_c * load
        path.append((acute, max(chronic, rules.chronic_floor_au)))
    return path


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
    candidate, out = plan[day], []
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

    Locked days are exempt except from the unwell rule; a non-locked day must also respect a
    locked next day. Model thresholds (risk, readiness) are checked by ``prediction_problems``.
    """
    c = plan[day]
    out: list[Problem] = []
    if context.unwell and not is_safe_when_unwell(
        type_id=c.type, kind=c.kind, intensity=c.intensity
    ):
        out.append(
            Problem("unwell", "injury, pain or illness: only rest, mobility or easy cross-training")
        )
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
    """The coach's lock for ``day``, unless the athlete is unwell and the lock is not safe."""
    c = context.locked.get(context.today + timedelta(days=day))
    if c is None or not context.unwell:
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
