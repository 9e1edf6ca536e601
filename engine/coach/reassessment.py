"""Reassessments and volume plans: what the last block says about the next one.

Pure. At every block boundary ``reassess`` compares the last block with the one before it (the
athlete's own numbers: load, hard days, readiness, soreness, sleep, days lost) and gives a
verdict (progress, hold, reduce) with what changes and why. ``volume_plan`` walks the blocks to
today's weekly load targets in planned units, re-estimating the share of the plan the athlete
logs (completion) after each block. See docs/coaching.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd

from engine.coach.periodisation import (
    BLOCK_DAYS,
    BLOCK_WEEKS,
    BUILD_OVERLOAD,
    EMPHASES,
    EMPHASIS_LABELS,
    VolumePlan,
    block_on,
)

COMPLETION = 0.85  # logged / expected build load that counts as "block completed"
COMPLETION_RANGE = (0.6, 1.0)
MAX_PLAN_BLOCKS = 6  # blocks walked back to set today's volume plan
REDUCE_FACTOR = 0.9  # a "reduce" block plans 90% of the previous base, without a build
LOST_DAYS_HOLD, LOST_DAYS_REDUCE = 3, 7  # days lost to injury or illness in a block
Verdict = Literal["progress", "hold", "reduce"]


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


@dataclass(frozen=True)
class DailyLog:
    """A daily frame's columns as arrays sorted by day (``days``: days since 1970-01-01)."""

    days: np.ndarray
    load: np.ndarray
    hard: np.ndarray
    readiness: np.ndarray
    soreness: np.ndarray
    sleep_h: np.ndarray
    lost: np.ndarray

    @classmethod
    def of(cls, daily: pd.DataFrame | DailyLog) -> DailyLog:
        """Arrays of a frame with ``DAILY_COLUMNS`` (plus optional ``injured``/``illness``)."""
        if isinstance(daily, DailyLog):
            return daily
        frame = daily.sort_values("date")
        days = pd.to_datetime(frame["date"]).to_numpy().astype("datetime64[D]").astype(np.int64)

        def col(name: str) -> np.ndarray:
            return frame[name].to_numpy(dtype=float, na_value=np.nan)

        lost = np.zeros(len(frame), dtype=bool)
        for name in ("injured", "illness"):
            if name in frame:
                lost |= np.nan_to_num(col(name)) > 0
        return cls(
            days=days,
            load=np.nan_to_num(col("load_total")),
            hard=np.nan_to_num(col("rpe_max")) >= 7.0,
            readiness=col("readiness_today"),
            soreness=col("soreness"),
            sleep_h=col("sleep_h"),
            lost=lost,
        )

    def between(self, starts: date, ends: date) -> slice:
        """Rows of the days ``starts``..``ends`` (inclusive)."""
        lo = np.datetime64(starts, "D").astype(np.int64)
        hi = np.datetime64(ends, "D").astype(np.int64)
        return slice(
            int(np.searchsorted(self.days, lo, side="left")),
            int(np.searchsorted(self.days, hi, side="right")),
        )


def _mean(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    return float(values.mean()) if len(values) else math.nan


def summarize_block(
    daily: pd.DataFrame | DailyLog, *, starts: date, ends: date
) -> BlockSummary | None:
    """Numbers of the days ``starts``..``ends`` of a daily frame (None without any day).

    ``daily`` has ``DAILY_COLUMNS`` plus optional ``injured`` and ``illness`` (0/1).
    """
    log = DailyLog.of(daily)
    rows = log.between(starts, ends)
    n = rows.stop - rows.start
    if n <= 0:
        return None
    load, hard = log.load[rows], log.hard[rows]
    trained = load > 0
    return BlockSummary(
        weekly_load_au=float(load.sum()) * 7.0 / n,
        hard_share=float(hard.sum() / trained.sum()) if trained.any() else 0.0,
        readiness=_mean(log.readiness[rows]),
        soreness=_mean(log.soreness[rows]),
        sleep_h=_mean(log.sleep_h[rows]),
        lost_days=int(log.lost[rows].sum()),
        n_days=n,
    )


def _verdict(last: BlockSummary, before: BlockSummary | None) -> tuple[Verdict, list[str]]:
    """Progress, hold or reduce, with the numbers that decided it (all against the athlete's
    own previous block: readiness and sleep scales differ between people)."""
    lost = f"{last.lost_days} days lost to injury or illness in the last block"
    if last.lost_days >= LOST_DAYS_REDUCE:
        return "reduce", [lost]
    why: list[str] = [lost] if last.lost_days >= LOST_DAYS_HOLD else []
    if before is not None:
        d_ready, d_sore = last.readiness - before.readiness, last.soreness - before.soreness
        if d_ready <= -7 and d_sore >= 0.5:
            return "reduce", [
                f"readiness fell {before.readiness:.0f} -> {last.readiness:.0f} while soreness "
                f"rose {before.soreness:.1f} -> {last.soreness:.1f}"
            ]
        if d_ready <= -5:
            why.append(f"readiness slipped {before.readiness:.0f} -> {last.readiness:.0f}")
        if d_sore >= 0.5:
            why.append(f"soreness rose {before.soreness:.1f} -> {last.soreness:.1f}")
        if last.sleep_h <= before.sleep_h - 0.5:
            why.append(f"sleep fell {before.sleep_h:.1f} -> {last.sleep_h:.1f} h a night")
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
    daily: pd.DataFrame | DailyLog,
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
    daily = DailyLog.of(daily)
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


def _capacity(daily: DailyLog, *, before: date) -> float:
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


def _weekly_load(daily: DailyLog, *, starts: date, ends: date) -> float:
    """Mean 7-day load over ``starts``..``ends`` (AU); NaN with fewer than 14 logged days."""
    summary = summarize_block(daily, starts=starts, ends=ends)
    return summary.weekly_load_au if summary and summary.n_days >= 14 else math.nan


def volume_plan(
    daily: pd.DataFrame | DailyLog,
    *,
    anchor: date,
    today: date,
    max_blocks: int = MAX_PLAN_BLOCKS,
) -> tuple[VolumePlan, Reassessment | None]:
    """The current block's volume plan and the reassessment that set it.

    Loads are in *planned* units: what the coach plans, of which the athlete logs a share
    (``completion``: missed and shortened sessions). Block by block (from at most
    ``max_blocks`` back): the base starts from the athlete's recent capacity (the mean of
    their 3 best of the last 4 logged weeks) over the prior completion. After each block the
    completion is re-estimated (logged / planned build load, smoothed) and, if the athlete
    logged at least ``COMPLETION`` of what was expected, the next base is the plan's build
    mean (a missed session does not shrink the next block); otherwise the logged load. A
    ``reduce`` verdict (time lost to injury or illness) plans ``REDUCE_FACTOR`` of the previous
    base without a build. The overload per build week follows each block's verdict
    (``BUILD_OVERLOAD``).
    """
    block = block_on(anchor=anchor, today=today)
    plan, reassessment = VolumePlan(math.nan, BUILD_OVERLOAD["progress"]), None
    daily = DailyLog.of(daily)
    for k in range(max(0, block.index - max_blocks), block.index + 1):
        starts = block.starts - timedelta(days=BLOCK_DAYS * (block.index - k))
        reassessment = reassess(daily, anchor=anchor, today=starts) if k else None
        verdict = reassessment.verdict if reassessment else "progress"
        plan = _next_plan(daily, plan, starts=starts, verdict=verdict)
        if reassessment is not None and math.isfinite(plan.base_au):
            line = (
                f"block volume: base {plan.base_au:.0f} AU/week planned, build weeks "
                f"{plan.overload:+.0%}/week ({verdict}); you log about {plan.completion:.0%} "
                "of the plan"
            )
            changes = [*reassessment.changes[:1], line, *reassessment.changes[1:]]
            reassessment = replace(reassessment, changes=changes)
    return plan, reassessment


def _next_plan(daily: DailyLog, plan: VolumePlan, *, starts: date, verdict: str) -> VolumePlan:
    """The plan of the block starting on ``starts``, from the previous block's plan."""
    c = plan.completion
    overload = BUILD_OVERLOAD[verdict]
    if math.isnan(plan.base_au):
        return VolumePlan(_capacity(daily, before=starts) / c, overload, c)
    build = _weekly_load(daily, starts=starts - timedelta(days=28), ends=starts - timedelta(8))
    planned = plan.next_base_au
    if not (math.isfinite(build) and planned > 0):
        base = planned if planned > 0 else _capacity(daily, before=starts) / c
        return VolumePlan(base, overload, c)
    done = float(np.clip(0.3 * c + 0.7 * build / planned, *COMPLETION_RANGE))
    if verdict == "reduce":  # time lost to injury or illness: 10% less, no build
        return VolumePlan(REDUCE_FACTOR * plan.base_au, overload, done)
    base = planned if build >= COMPLETION * c * planned else build / done
    return VolumePlan(base, overload, done)
