"""The athlete's load state before today: the numbers the hard rules and the objective need.

Loads are session-RPE loads (AU). EWMAs follow ``pipelines.loads`` (Williams et al. 2017:
lambda = 2 / (span + 1), starting from zero; the chronic EWMA is floored for ratios).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from engine.optimizer.catalogue import STRUCTURE_CATEGORIES, category_of
from engine.optimizer.rules import AthleteContext, Rules


class Session(Protocol):
    """Anything with a type, kind and intensity (a ``Candidate`` or a ``PastSession``)."""

    @property
    def type(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def intensity(self) -> str: ...


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


def weekly_target(history: History, rules: Rules) -> float:
    """Progressive-overload target for the planned 7 days (AU): (1 + overload) x reference week."""
    reference = max(history.last7, rules.ramp_floor_au, history.weekly_avg)
    return (1.0 + rules.weights.overload) * reference
