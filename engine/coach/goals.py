"""Goal events: races with a taper before them, the race on its day, a recovery after.

Pure. An athlete's goal events (date, name, distance, climb, priority A/B/C) shape the week:
the event is planned on its day (session type ``race``, kind ``run``, as a lock), the days
before it taper (a lower weekly target, shorter sessions, no hard session in the last days),
the days after it recover (easy, then no hard), and the build toward the next A event offers
long runs beyond 150 min when the event needs them (a 50k). Every cap is a ``DayLimit`` that
the hard-rule checker enforces. See docs/coaching.md.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from engine.optimizer.catalogue import Candidate, make_candidate
from engine.optimizer.limits import DayLimit
from engine.optimizer.rules import Rules
from pipelines.sessions import SESSION_TYPES

PRIORITIES = ("A", "B", "C")
PLAN_DAYS = 7
FLAT_PACE_MIN_PER_KM = 6.5  # race pace on flat trail, plus 1 min per 10 m of climb
CLIMB_MIN_PER_M = 0.1
# Taper length (days) of an A event by its effort (km + climb / 100): short races about a week,
# half marathon included; a marathon two weeks; beyond it (ultras, big climbs) three.
A_TAPER = ((30.0, 7), (50.0, 14), (math.inf, 21))
MINI_TAPER = {"B": 4, "C": 2}
NO_HARD_DAYS = {"A": 3, "B": 2, "C": 1}
TAPER_OVERLOAD = {"A": (-0.2, -0.4), "B": (-0.15, -0.15), "C": (0.0, -0.1)}
RACE_WEEK_MAX_MIN = 90.0
TAPER_MAX_MIN = 125.0
FINAL_DAYS_MAX_MIN = 60.0
RECOVERY_EASY_MAX_MIN = 45.0
# Long runs the build offers beyond the catalogue's 150 min, by the A event's effort (km-effort).
LONG_RUNS = ((40.0, (180, 210)), (60.0, (180, 210, 240)))
STEEP_M_PER_KM = 30.0
STEEP_CLIMB_CREDIT = 0.35  # points per metre climbed in the build toward a steep event


@dataclass(frozen=True)
class GoalEvent:
    """A race or other goal event (distance in km, climb in m, priority A/B/C)."""

    id: int
    date: dt.date
    name: str
    distance_km: float
    climb_m: float
    priority: str

    @property
    def effort_km(self) -> float:
        """Distance plus climb / 100 (100 m of climb ~ 1 km flat)."""
        return self.distance_km + self.climb_m / 100.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "date": self.date.isoformat(),
            "name": self.name,
            "distance_km": self.distance_km,
            "climb_m": self.climb_m,
            "priority": self.priority,
        }


def taper_days(event: GoalEvent) -> int:
    """Days of taper before the event: by effort for A events, a mini-taper for B/C."""
    if event.priority != "A":
        return MINI_TAPER[event.priority]
    return next(days for top, days in A_TAPER if event.effort_km < top)


def recovery_days(event: GoalEvent) -> int:
    """Days of recovery after the event (about one per 10 km-effort for A, 2-10 days)."""
    days = min(max(round(event.effort_km / 10.0), 2), 10)
    return days if event.priority == "A" else max(days // 2, 1)


def race_candidate(event: GoalEvent) -> Candidate:
    """The event as the day's session (type ``race``; minutes from distance and climb)."""
    info = SESSION_TYPES["race"]
    minutes = event.distance_km * FLAT_PACE_MIN_PER_KM + event.climb_m * CLIMB_MIN_PER_M
    return Candidate(
        type="race",
        kind=info.kind,
        intensity=info.intensity,
        duration_min=float(round(max(minutes, 10.0))),
        target_rpe=info.rpe,
        distance_km=float(event.distance_km),
        elevation_gain_m=float(event.climb_m),
        elevation_loss_m=float(event.climb_m),
    )


@dataclass(frozen=True)
class GoalPlan:
    """What the goal events change this morning.

    Attributes:
        locks: Race days in the plan's window (the event as a locked session).
        limits: Taper and recovery caps by date.
        overload: The weekly target's cap in a taper (None outside one).
        long_runs: Long runs beyond the catalogue offered in the build.
        climb_credit: The climb credit's floor in the build toward a steep event (or None).
        summary: The goal for the answer (next A event, phase, taper and recovery days).
    """

    locks: Mapping[dt.date, Candidate] = field(default_factory=dict)
    limits: Mapping[dt.date, tuple[DayLimit, ...]] = field(default_factory=dict)
    overload: float | None = None
    long_runs: tuple[Candidate, ...] = ()
    climb_credit: float | None = None
    summary: dict[str, Any] | None = None

    def steer(self, rules: Rules) -> Rules:
        """``rules`` with the taper's weekly target and the build's climb credit."""
        w = rules.weights
        overload = w.overload if self.overload is None else min(w.overload, self.overload)
        climb = (
            w.climb_per_m if self.climb_credit is None else max(w.climb_per_m, self.climb_credit)
        )
        return replace(rules, weights=replace(w, overload=overload, climb_per_m=climb))


def _add(out: dict[dt.date, tuple[DayLimit, ...]], when: dt.date, limit: DayLimit) -> None:
    out[when] = (*out.get(when, ()), limit)


def _limit_before(event: GoalEvent, days_to: int) -> DayLimit | None:
    label = f"{event.priority} event {event.name} on {event.date.isoformat()}"
    if days_to <= NO_HARD_DAYS[event.priority]:
        detail = (
            f"taper, {days_to} day{'s' * (days_to > 1)} before the {label}: no hard session "
            f"in the last {NO_HARD_DAYS[event.priority]} days, up to {FINAL_DAYS_MAX_MIN:.0f} min"
        )
        return DayLimit("taper", detail, "moderate", None, FINAL_DAYS_MAX_MIN, binds_locks=False)
    if days_to > taper_days(event):
        return None
    top = RACE_WEEK_MAX_MIN if days_to <= PLAN_DAYS else TAPER_MAX_MIN
    detail = f"taper, {days_to} days before the {label}: sessions up to {top:.0f} min"
    return DayLimit("taper", detail, "hard", None, top, binds_locks=False)


def _limit_after(event: GoalEvent, days_after: int) -> DayLimit | None:
    total = recovery_days(event)
    if days_after > total:
        return None
    label = f"recovery after {event.name} ({event.date.isoformat()}), day {days_after} of {total}"
    if days_after <= math.ceil(total / 2):
        detail = f"{label}: easy sessions only, up to {RECOVERY_EASY_MAX_MIN:.0f} min"
        return DayLimit(
            "race_recovery", detail, "easy", None, RECOVERY_EASY_MAX_MIN, binds_locks=False
        )
    return DayLimit("race_recovery", f"{label}: no hard session", "moderate", binds_locks=False)


def _phase(event: GoalEvent, today: dt.date) -> str:
    days_to = (event.date - today).days
    if days_to == 0:
        return "race"
    if days_to < 0:
        return "recovery"
    return "taper" if days_to <= taper_days(event) else "build"


def next_a_event(events: Sequence[GoalEvent], today: dt.date) -> GoalEvent | None:
    """The next A event on or after ``today`` (the goal the plan builds toward)."""
    ahead = sorted((e for e in events if e.priority == "A" and e.date >= today), key=_key)
    return ahead[0] if ahead else None


def _key(e: GoalEvent) -> tuple[dt.date, int]:
    return e.date, e.id


def _summary(events: Sequence[GoalEvent], today: dt.date) -> dict[str, Any] | None:
    recent = [e for e in events if 0 < (today - e.date).days <= recovery_days(e)]
    goal = next_a_event(events, today) or (max(recent, key=_key) if recent else None)
    if goal is None:
        ahead = sorted((e for e in events if e.date >= today), key=_key)
        goal = ahead[0] if ahead else None
    if goal is None:
        return None
    taper = taper_days(goal)
    return {
        "event": goal.to_dict(),
        "days_to_event": (goal.date - today).days,
        "phase": _phase(goal, today),
        "taper_days": taper,
        "taper_starts": (goal.date - dt.timedelta(days=taper)).isoformat(),
        "no_hard_from": (goal.date - dt.timedelta(days=NO_HARD_DAYS[goal.priority])).isoformat(),
        "recovery_days": recovery_days(goal),
    }


def _overload(events: Sequence[GoalEvent], today: dt.date) -> float | None:
    """The weekly target's cap when the 7 days from today reach into a taper: the race week
    cuts deepest, an earlier taper week less."""
    cuts = []
    for e in events:
        days_to = (e.date - today).days
        if days_to < 0 or days_to - (PLAN_DAYS - 1) > taper_days(e):
            continue
        early, final = TAPER_OVERLOAD[e.priority]
        cuts.append(final if days_to < PLAN_DAYS else early)
    return min(cuts) if cuts else None


def _build(goal: GoalEvent | None, today: dt.date) -> tuple[tuple[Candidate, ...], float | None]:
    if goal is None or _phase(goal, today) != "build":
        return (), None
    minutes = next((m for top, m in reversed(LONG_RUNS) if goal.effort_km >= top), ())
    steep = goal.distance_km > 0 and goal.climb_m / goal.distance_km >= STEEP_M_PER_KM
    return (
        tuple(make_candidate("long_trail", m) for m in minutes),
        STEEP_CLIMB_CREDIT if steep else None,
    )


def goal_plan(events: Sequence[GoalEvent], *, today: dt.date) -> GoalPlan:
    """What the athlete's goal events change on ``today`` and the next 6 days."""
    if not events:
        return GoalPlan()
    locks: dict[dt.date, Candidate] = {}
    limits: dict[dt.date, tuple[DayLimit, ...]] = {}
    for k in range(PLAN_DAYS):
        when = today + dt.timedelta(days=k)
        for e in events:
            gap = (e.date - when).days
            if gap == 0:
                locks.setdefault(when, race_candidate(e))
            limit = _limit_before(e, gap) if gap > 0 else _limit_after(e, -gap) if gap else None
            if limit is not None:
                _add(limits, when, limit)
    long_runs, climb = _build(next_a_event(events, today), today)
    return GoalPlan(
        locks, limits, _overload(events, today), long_runs, climb, _summary(events, today)
    )
