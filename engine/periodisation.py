"""Periodisation: 4-week blocks (3 build + 1 deload), a monthly emphasis, and reassessments.

Pure. Blocks are counted from the Monday of the athlete's anchor week (first logged day, else the
creation date), so block weeks are calendar weeks. Each block has one emphasis, rotating
``base -> uphill -> explosive -> descent``; its last week is a deload. The block steers the
optimizer through its existing levers (``block_rules``, ``block_candidates``): the weekly load
target (build weeks +``overload`` per the last reassessment, deload 70%), the objective's
climb/descent/intensity credits, and which session types are offered. At every block boundary
(every 4 weeks, inside the 4-6 week guideline) ``reassess`` compares the last block with the one
before it and says what changes for the next one (volume, intensity, exercise choice) and why.
See docs/coaching.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd

from engine.catalogue import Candidate
from engine.planning import Rules

EMPHASES = ("base", "uphill", "explosive", "descent")
BLOCK_WEEKS = 4
BLOCK_DAYS = 7 * BLOCK_WEEKS
DELOAD_FACTOR = 0.7  # deload week target: this share of the reference week (AU)
MIN_OVERLOAD = -0.5  # lowest weekly-target change the rules accept (deload and cuts)
# Weekly-target growth in build weeks after each reassessment verdict (fraction per week).
BUILD_OVERLOAD: Mapping[str, float] = {"progress": 0.04, "hold": 0.01, "reduce": -0.05}
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
Verdict = Literal["progress", "hold", "reduce"]
COMPLETION = 0.8  # share of the planned build load that counts as "block completed"
MAX_PLAN_BLOCKS = 6  # blocks walked back to set today's volume plan


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
    """A block's weekly load targets (session-RPE AU per 7 days).

    Build week ``w`` (1-3) targets ``base_au x (1 + overload x w)``; the deload week
    ``DELOAD_FACTOR`` of the build weeks' mean. ``base_au`` is NaN before the athlete has
    two weeks of logs (the optimizer's own weekly target applies then).
    """

    base_au: float
    overload: float

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


# --- reassessment --------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockSummary:
    """One block's numbers (loads in AU, readiness 0-100, soreness 1-5, sleep in hours)."""

    weekly_load_au: float
    hard_share: float
    readiness: float
    soreness: float
    sleep_h: float
    lost_days: int
    n_days: int


@dataclass(frozen=True)
class Reassessment:
    """What changes at a block boundary, and why.

    Attributes:
        date: The day of the reassessment (first day of the new block).
        verdict: ``progress``, ``hold`` or ``reduce`` (sets the build weeks' overload).
        overload: Weekly-target growth in the new block's build weeks (fraction).
        changes: What changed: volume, intensity, exercise choice.
        reasons: Why, with the athlete's own numbers.
    """

    date: date
    verdict: Verdict
    overload: float
    changes: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "verdict": self.verdict,
            "overload": round(self.overload, 3),
            "changes": list(self.changes),
            "reasons": list(self.reasons),
        }


DAILY_COLUMNS = ("date", "load_total", "rpe_max", "readiness_today", "soreness", "sleep_h")


def _mean(values: pd.Series) -> float:
    values = values.astype(float).dropna()
    return float(values.mean()) if len(values) else math.nan


def summarize_block(daily: pd.DataFrame, *, starts: date, ends: date) -> BlockSummary | None:
    """Numbers of the days ``starts``..``ends`` of a daily frame (None without any day).

    ``daily`` has ``DAILY_COLUMNS`` plus optional ``injured`` and ``illness`` (0/1).
    """
    dates = pd.to_datetime(daily["date"])
    rows = daily[(dates >= pd.Timestamp(starts)) & (dates <= pd.Timestamp(ends))]
    if rows.empty:
        return None
    trained = rows["load_total"].astype(float) > 0
    hard = rows["rpe_max"].astype(float).fillna(0.0) >= 7.0
    lost = np.zeros(len(rows), dtype=bool)
    for column in ("injured", "illness"):
        if column in rows:
            lost |= rows[column].astype(float).fillna(0.0).to_numpy() > 0
    return BlockSummary(
        weekly_load_au=float(rows["load_total"].astype(float).sum()) * 7.0 / len(rows),
        hard_share=float(hard.sum() / trained.sum()) if trained.any() else 0.0,
        readiness=_mean(rows["readiness_today"]),
        soreness=_mean(rows["soreness"]),
        sleep_h=_mean(rows["sleep_h"]),
        lost_days=int(lost.sum()),
        n_days=len(rows),
    )


def _verdict(last: BlockSummary, before: BlockSummary | None) -> tuple[Verdict, list[str]]:
    """Progress, hold or reduce, with the numbers that decided it."""
    if last.lost_days >= 3:
        return "reduce", [f"{last.lost_days} days lost to injury or illness in the last block"]
    why: list[str] = []
    if before is not None:
        d_ready, d_sore = last.readiness - before.readiness, last.soreness - before.soreness
        if d_ready <= -5 and d_sore >= 0.5:
            return "reduce", [
                f"readiness fell {before.readiness:.0f} -> {last.readiness:.0f} while soreness "
                f"rose {before.soreness:.1f} -> {last.soreness:.1f}"
            ]
        if d_ready <= -3:
            why.append(f"readiness slipped {before.readiness:.0f} -> {last.readiness:.0f}")
        if d_sore >= 0.4:
            why.append(f"soreness rose {before.soreness:.1f} -> {last.soreness:.1f}")
    if last.sleep_h < 6.5:
        why.append(f"sleep averaged {last.sleep_h:.1f} h (7-9 h supports adaptation)")
    if why:
        return "hold", why
    if math.isfinite(last.readiness):
        why.append(f"readiness held at {last.readiness:.0f}/100")
    why.append("no time lost to injury or illness")
    return "progress", why


def _volume_change(last: BlockSummary, before: BlockSummary | None) -> str:
    if before is None or before.weekly_load_au <= 0:
        return f"volume: {last.weekly_load_au:.0f} AU/week in the first assessed block"
    change = last.weekly_load_au / before.weekly_load_au - 1.0
    return (
        f"volume: {before.weekly_load_au:.0f} -> {last.weekly_load_au:.0f} AU/week "
        f"({change:+.0%}) over the last two blocks"
    )


def reassess(
    daily: pd.DataFrame,
    *,
    anchor: date,
    today: date,
    strength_changes: Sequence[str] = (),
) -> Reassessment | None:
    """Reassess at the start of today's block: the last block against the one before.

    Args:
        daily: Daily rows (``DAILY_COLUMNS``, optional ``injured``/``illness``), loads in AU.
        anchor: The athlete's block anchor.
        today: Any day of the current block.
        strength_changes: Exercise-choice changes from the strength progression, if any.

    Returns:
        The reassessment, or None before the first block is complete.
    """
    block = block_on(anchor=anchor, today=today)
    if block.index == 0:
        return None
    last_start = block.starts - timedelta(days=BLOCK_DAYS)
    last = summarize_block(daily, starts=last_start, ends=block.starts - timedelta(days=1))
    if last is None:
        return None
    before = summarize_block(
        daily, starts=last_start - timedelta(days=BLOCK_DAYS), ends=last_start - timedelta(days=1)
    )
    verdict, reasons = _verdict(last, before)
    previous = EMPHASES[(block.index - 1) % len(EMPHASES)]
    hard_before = f"{before.hard_share:.0%} -> " if before else ""
    changes = [
        _volume_change(last, before),
        f"intensity: hard sessions {hard_before}{last.hard_share:.0%} of training days",
        f"emphasis: {previous} -> {block.emphasis} ({EMPHASIS_LABELS[block.emphasis]})",
        *strength_changes,
    ]
    return Reassessment(block.starts, verdict, BUILD_OVERLOAD[verdict], changes, reasons)


def _capacity(daily: pd.DataFrame, *, before: date) -> float:
    """Mean of the 3 highest of the last 4 weekly loads before ``before`` (AU/week): what the
    athlete has shown they can do, a deload or a missed week aside. NaN under 14 logged days."""
    weeks = [
        summarize_block(
            daily,
            starts=before - timedelta(days=7 * (k + 1)),
            ends=before - timedelta(days=7 * k + 1),
        )
        for k in range(BLOCK_WEEKS)
    ]
    loads = sorted(
        (w.weekly_load_au for w in weeks if w is not None and w.n_days >= 5), reverse=True
    )
    if sum(w.n_days for w in weeks if w is not None) < 14 or not loads:
        return math.nan
    return float(np.mean(loads[:3]))


def _weekly_load(daily: pd.DataFrame, *, starts: date, ends: date) -> float:
    """Mean 7-day load over ``starts``..``ends`` (AU); NaN with fewer than 14 logged days."""
    summary = summarize_block(daily, starts=starts, ends=ends)
    return summary.weekly_load_au if summary and summary.n_days >= 14 else math.nan


def volume_plan(
    daily: pd.DataFrame, *, anchor: date, today: date, max_blocks: int = MAX_PLAN_BLOCKS
) -> tuple[VolumePlan, Reassessment | None]:
    """The current block's volume plan and the reassessment that set it.

    Block by block (from at most ``max_blocks`` back): the base starts from the athlete's
    recent capacity (the mean of their 3 best of the last 4 logged weeks). After a block whose
    build weeks reached ``COMPLETION`` of their plan, the next base is that plan's build mean
    (a missed session does not shrink the next block); otherwise the logged load. A ``reduce``
    verdict never plans above what was logged. The overload per build week follows each
    block's reassessment verdict (``BUILD_OVERLOAD``).
    """
    block = block_on(anchor=anchor, today=today)
    plan, reassessment = VolumePlan(math.nan, BUILD_OVERLOAD["progress"]), None
    for k in range(max(0, block.index - max_blocks), block.index + 1):
        starts = block.starts - timedelta(days=BLOCK_DAYS * (block.index - k))
        recent = _capacity(daily, before=starts)
        reassessment = reassess(daily, anchor=anchor, today=starts) if k else None
        verdict = reassessment.verdict if reassessment else "progress"
        base = plan.base_au
        if math.isnan(base):
            base = recent
        else:
            build = _weekly_load(
                daily, starts=starts - timedelta(days=28), ends=starts - timedelta(8)
            )
            planned = plan.next_base_au
            base = planned if build >= COMPLETION * planned else build
            if verdict == "reduce" and math.isfinite(build):
                base = min(base, build)
            if math.isnan(base):
                base = recent
        line = f"block volume: base {base:.0f} AU/week, build weeks {BUILD_OVERLOAD[verdict]:+.0%}"
        if reassessment is not None and math.isfinite(base):
            changes = [*reassessment.changes[:1], line + f"/week ({verdict})"]
            reassessment = replace(reassessment, changes=changes + reassessment.changes[1:])
        plan = VolumePlan(base, BUILD_OVERLOAD[verdict])
    return plan, reassessment
