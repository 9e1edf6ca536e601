"""Plain data of the optimizer: what is known about the athlete, the rules, and the answers.

``engine.optimizer.choose`` re-exports every class here; import them from there.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from engine.errors import InvalidRulesError
from engine.optimizer.catalogue import STRUCTURE_CATEGORIES, Candidate
from engine.optimizer.limits import DayLimit

DEFAULT_STRUCTURE: Mapping[str, int] = MappingProxyType(
    {"trail_run": 2, "tempo_or_fartlek": 1, "strength": 2}
)
DEFAULT_INTENSITY_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {"rest": 0.0, "easy": 1.0, "moderate": 1.1, "hard": 1.25}
)


@dataclass(frozen=True)
class PastSession:
    """One logged session (duration in minutes, session-RPE load in AU)."""

    date: date
    type: str
    kind: str
    intensity: str
    duration_min: float
    load_au: float


@dataclass(frozen=True)
class AthleteContext:
    """Everything known about the athlete on ``today``, before training.

    Attributes:
        today: The day to decide.
        availability_min: Minutes available Monday..Sunday.
        daily_load: Session-RPE load (AU) per day before today, oldest first, yesterday last.
        recent: Sessions of the last ~28 days (dates before today).
        open_injury: An injury is open.
        illness: Illness reported.
        pain: Pain reported.
        signals: The athlete's own numbers, cited in reasons (``sleep_h``, ``sleep_h_avg``,
            ``soreness``, ``soreness_avg``, ``readiness_self``, ``acwr_ewma``, ``load_7d``,
            ``load_28d_weekly_avg``); any may be missing or NaN.
        locked: Coach overrides and races by date.
        limits: Caps on the session of a date (red flags, graded returns, tapers; see
            ``engine.optimizer.limits``); rest and mobility always pass them.
    """

    today: date
    availability_min: tuple[int, int, int, int, int, int, int]
    daily_load: tuple[float, ...]
    recent: tuple[PastSession, ...] = ()
    open_injury: bool = False
    illness: bool = False
    pain: bool = False
    signals: Mapping[str, float] = field(default_factory=dict)
    locked: Mapping[date, Candidate] = field(default_factory=dict)
    limits: Mapping[date, tuple[DayLimit, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.availability_min) != 7 or min(self.availability_min) < 0:
            raise ValueError("availability_min needs 7 non-negative minute counts (Mon..Sun)")
        if any(not math.isfinite(x) or x < 0 for x in self.daily_load):
            raise ValueError("daily_load must hold finite, non-negative loads (AU)")

    @property
    def unwell(self) -> bool:
        """An open injury, pain or illness is reported."""
        return self.open_injury or self.pain or self.illness


@dataclass(frozen=True)
class ObjectiveWeights:
    """Weights of the objective, in stimulus points (1 point ~ 1 AU of easy training).

    Attributes:
        intensity: Points per AU of load by intensity.
        climb_per_m: Points per metre climbed (100 m ~ 1 km flat ~ 20 AU of easy trail).
        descent_per_m: Points per metre descended (eccentric load).
        strength_per_au: Extra points per AU of strength work (muscular and eccentric load that
            the climb and descent credits give runs only; 0 by default, the coach uses 0.3).
        risk: Points per unit of predicted 7-day injury risk on today's session (0-1).
        readiness: Points per readiness point (0-100) below ``readiness_comfortable``.
        readiness_comfortable: Predicted readiness below which the penalty starts (0-100).
        overload: Weekly target = (1 + overload) x reference week (progressive overload;
            negative in a deload week, down to -0.5).
        over_target: Points lost per AU planned above the weekly target.
        repeat: Points lost per repeat of a trail, tempo/fartlek or strength type in the plan
            (variety: two different strength sessions beat the same one twice).
        discount: Per-day factor on later days' stimulus (earlier work is surer).
    """

    intensity: Mapping[str, float] = field(default_factory=lambda: DEFAULT_INTENSITY_WEIGHTS)
    climb_per_m: float = 0.2
    descent_per_m: float = 0.1
    strength_per_au: float = 0.0
    risk: float = 2000.0
    readiness: float = 10.0
    readiness_comfortable: float = 60.0
    overload: float = 0.05
    over_target: float = 1.5
    repeat: float = 60.0
    discount: float = 0.9


@dataclass(frozen=True)
class Rules:
    """Guard rails: hard constraints the optimizer never breaks.

    Attributes:
        risk_ceiling: Max predicted 7-day injury risk for today's training session (0-1).
        readiness_floor: Min predicted next-day readiness for a moderate/hard session (0-100).
        ramp_max: Max growth of the 7-day load vs the previous 7 days (0.10 = +10%).
        acwr_band: EWMA acute:chronic band; upper bound for all training, lower bound for
            moderate/hard sessions unless the athlete is returning from a break.
        weekly_structure: Sessions per rolling 7 days by category (``trail_run``,
            ``tempo_or_fartlek``, ``strength``); the rest are easy or rest.
        ramp_floor_au: Reference week never taken below this (AU/7 days); a previous week
            under it means "returning from a break".
        chronic_floor_au: Chronic EWMA daily load below this counts as this (AU/day).
        acute_days: Span of the acute EWMA (days; lambda = 2 / (span + 1)).
        chronic_days: Span of the chronic EWMA (days).
        weights: Objective weights.
    """

    risk_ceiling: float = 0.25
    readiness_floor: float = 35.0
    ramp_max: float = 0.10
    acwr_band: tuple[float, float] = (0.8, 1.3)
    weekly_structure: Mapping[str, int] = field(default_factory=lambda: DEFAULT_STRUCTURE)
    ramp_floor_au: float = 300.0
    chronic_floor_au: float = 50.0
    acute_days: int = 7
    chronic_days: int = 28
    weights: ObjectiveWeights = ObjectiveWeights()

    def __post_init__(self) -> None:
        lo, hi = self.acwr_band
        structure = self.weekly_structure
        w = self.weights
        checks = (
            (0 < self.risk_ceiling <= 1, "risk_ceiling must be in (0, 1]"),
            (0 <= self.readiness_floor <= 100, "readiness_floor must be in [0, 100]"),
            (self.ramp_max >= 0, "ramp_max must be >= 0"),
            (0 <= lo < 1 < hi, "acwr_band must satisfy 0 <= low < 1 < high"),
            (set(structure) <= set(STRUCTURE_CATEGORIES), f"weekly_structure keys must be in "
                                                          f"{STRUCTURE_CATEGORIES}"),
            (all(0 <= n <= 7 for n in structure.values()), "weekly_structure counts must be 0-7"),
            (min(self.ramp_floor_au, self.chronic_floor_au) > 0,
             "ramp_floor_au and chronic_floor_au must be > 0"),
            (1 <= self.acute_days < self.chronic_days, "need 1 <= acute_days < chronic_days"),
            (-0.5 <= w.overload <= self.ramp_max,
             "weights.overload must be in [-0.5, ramp_max]"),
            (0 < w.discount <= 1, "weights.discount must be in (0, 1]"),
        )  # fmt: skip
        failed = [message for ok, message in checks if not ok]
        if failed:
            raise InvalidRulesError("; ".join(failed))


@dataclass(frozen=True)
class Choice:
    """Today's session and why.

    Attributes:
        candidate: The chosen session.
        readiness: Predicted next-day readiness for it (0-100; NaN when not predicted).
        injury_risk: Predicted 7-day injury risk for it (0-1; NaN when not predicted).
        reasons: 2-4 human reasons.
        fallback: True when no training session was feasible and rest/mobility was chosen.
        objective: Objective value of the 7-day horizon plan the choice heads (points).
        rules_applied: The hard rules that ruled out a session today (``"<code>: <detail>"``).
    """

    candidate: Candidate
    readiness: float
    injury_risk: float
    reasons: list[str]
    fallback: bool
    objective: float
    rules_applied: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlannedDay:
    """One day of a plan."""

    date: date
    candidate: Candidate
    locked: bool
    reasons: list[str]


@dataclass(frozen=True)
class WeekPlan:
    """A receding-horizon plan.

    Attributes:
        days: Planned days from today.
        objective: Objective value (points).
        feasible: False when a documented relaxation was needed (today's fallback, or a
            weekly-structure target out of reach); see ``notes``.
        notes: Plan-level notes.
        rules_applied: The hard rules that ruled out a session today (as ``Choice``).
    """

    days: list[PlannedDay]
    objective: float
    feasible: bool
    notes: list[str]
    rules_applied: tuple[str, ...] = ()
