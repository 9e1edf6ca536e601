"""Periodisation: 4-week blocks (3 build + 1 deload), a monthly emphasis, and volume targets.

Pure. Blocks are counted from the Monday of the athlete's anchor week (first logged day, else the
creation date), so block weeks are calendar weeks. Each block has one emphasis, rotating
``base -> uphill -> explosive -> descent``; its last week is a deload. The block steers the
optimizer through its existing levers (``block_rules``, ``block_candidates``): the weekly load
target (``VolumePlan``: build weeks grow by the reassessment's overload, the deload is 70% of
the build weeks), the objective's climb/descent/intensity credits, and which session types are
offered. ``engine.coach.reassessment`` reassesses every block boundary (every 4 weeks, inside the
4-6 week guideline) and sets the next volume plan. See docs/coaching.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np

from engine.optimizer.catalogue import Candidate
from engine.optimizer.rules import Rules

EMPHASES = ("base", "uphill", "explosive", "descent")
BLOCK_WEEKS = 4
BLOCK_DAYS = 7 * BLOCK_WEEKS
DELOAD_FACTOR = 0.7  # deload week target: this share of the build weeks' mean
PRIOR_COMPLETION = 0.8  # share of the plan an athlete logs, before it is measured
MIN_OVERLOAD = -0.5  # lowest weekly-target change the rules accept (deload and cuts)
# Weekly-target growth in build weeks after each reassessment verdict (fraction per week).
BUILD_OVERLOAD: Mapping[str, float] = {"progress": 0.09, "hold": 0.05, "reduce": 0.0}
# Emphasis -> changes to the objective weights (points per metre / per AU by intensity).
EMPHASIS_WEIGHTS: Mapping[str, Mapping[str, Any]] = {
    "base": {"intensity": {"moderate": 1.2}},
    "uphill": {"climb_per_m": 0.4},
    "explosive": {"intensity": {"hard": 1.35}},
    "descent": {"descent_per_m": 0.25},
}
# Types offered only in some blocks (novices never get them); every other type is always offered.
EMPHASIS_ONLY: Mapping[str, str] = {"strength_explosive": "explosive", "downhill": "descent"}
EMPHASIS_LABELS: Mapping[str, str] = {
    "base": "aerobic base: tempo and fartlek, longer easy trail runs",
    "uphill": "uphill: hill repeats and climbing, step-ups and split squats",
    "explosive": "explosive: jump squats and bounding, fartlek",
    "descent": "descent: downhill technique and eccentric (slow-lowering) strength",
}


@dataclass(frozen=True)
class Block:
    """Where a day sits in the periodisation.

    Attributes:
        index: Block number since the anchor (0-based).
        week_in_block: 1-4 (4 = deload).
        phase: ``build`` or ``deload``.
        emphasis: ``base``, ``uphill``, ``explosive`` or ``descent``.
        starts: First day (a Monday).
        ends: Last day (a Sunday).
        next_reassessment: The day the next block starts and this one is reassessed.
    """

    index: int
    week_in_block: int
    phase: Literal["build", "deload"]
    emphasis: str
    starts: date
    ends: date
    next_reassessment: date

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "week_in_block": self.week_in_block,
            "phase": self.phase,
            "emphasis": self.emphasis,
            "focus": EMPHASIS_LABELS[self.emphasis],
            "starts": self.starts.isoformat(),
            "ends": self.ends.isoformat(),
            "next_reassessment": self.next_reassessment.isoformat(),
        }


def block_on(*, anchor: date, today: date) -> Block:
    """The block of ``today`` for an athlete anchored on ``anchor`` (days before it: block 0)."""
    origin = anchor - timedelta(days=anchor.weekday())
    days = max((today - origin).days, 0)
    index, day_in_block = divmod(days, BLOCK_DAYS)
    week = day_in_block // 7 + 1
    starts = origin + timedelta(days=index * BLOCK_DAYS)
    ends = starts + timedelta(days=BLOCK_DAYS - 1)
    return Block(
        index=index,
        week_in_block=week,
        phase="deload" if week == BLOCK_WEEKS else "build",
        emphasis=EMPHASES[index % len(EMPHASES)],
        starts=starts,
        ends=ends,
        next_reassessment=ends + timedelta(days=1),
    )


@dataclass(frozen=True)
class VolumePlan:
    """A block's weekly load targets (planned session-RPE AU per 7 days).

    Build week ``w`` (1-3) targets ``base_au x (1 + overload x w)``; the deload week
    ``DELOAD_FACTOR`` of the build weeks' mean. ``base_au`` is NaN before the athlete has
    two weeks of logs (the optimizer's own weekly target applies then). ``completion`` is the
    share of the planned load the athlete logs (0.6-1.0).
    """

    base_au: float
    overload: float
    completion: float = PRIOR_COMPLETION

    @property
    def next_base_au(self) -> float:
        """The next block's base when this one is completed: its build weeks' mean."""
        return self.base_au * (1.0 + 2.0 * self.overload)

    def week_target(self, week_in_block: int) -> float:
        """Target load of one block week (AU/7 days)."""
        if week_in_block >= BLOCK_WEEKS:
            return DELOAD_FACTOR * self.next_base_au
        return self.base_au * (1.0 + self.overload * week_in_block)


def horizon_target(plan: VolumePlan, *, anchor: date, today: date, days: int = 7) -> float:
    """The plan's target for the ``days`` days from today, as a 7-day load (AU).

    Each day counts a seventh of its block week's target; days in the next block use the
    base this block leads to.
    """
    current = block_on(anchor=anchor, today=today).index
    total = 0.0
    for k in range(days):
        block = block_on(anchor=anchor, today=today + timedelta(days=k))
        week_plan = plan if block.index == current else replace(plan, base_au=plan.next_base_au)
        total += week_plan.week_target(block.week_in_block) / 7.0
    return total * 7.0 / days


def block_rules(
    rules: Rules, *, block: Block, target_au: float, reference_au: float, default_overload: float
) -> Rules:
    """``rules`` steered by the block: the weekly target and the emphasis weights.

    Args:
        rules: The guard rails to steer.
        block: Today's block (its emphasis changes the objective's credits).
        target_au: The block's target for the next 7 days (AU); NaN when unknown.
        reference_au: The optimizer's reference week (AU): the target becomes
            ``weights.overload = target / reference - 1``, within [-0.5, ramp_max].
        default_overload: Used when ``target_au`` is unknown.
    """
    overload = default_overload
    if math.isfinite(target_au) and reference_au > 0:
        overload = target_au / reference_au - 1.0
    w = rules.weights
    changes = EMPHASIS_WEIGHTS[block.emphasis]
    intensity = {**w.intensity, **changes.get("intensity", {})}
    weights = replace(
        w,
        intensity=intensity,
        climb_per_m=changes.get("climb_per_m", w.climb_per_m),
        descent_per_m=changes.get("descent_per_m", w.descent_per_m),
        overload=float(np.clip(overload, MIN_OVERLOAD, rules.ramp_max)),
    )
    return replace(rules, weights=weights)


def block_candidates(
    candidates: Sequence[Candidate], *, block: Block, novice: bool
) -> list[Candidate]:
    """Drop the types this block does not offer (explosive strength, downhill repeats)."""
    return [
        c
        for c in candidates
        if c.type not in EMPHASIS_ONLY or (EMPHASIS_ONLY[c.type] == block.emphasis and not novice)
    ]
