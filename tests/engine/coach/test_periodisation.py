"""Periodisation: plain tables of days, blocks, volume targets and reassessments."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from engine.coach.periodisation import (
    BUILD_OVERLOAD,
    DELOAD_FACTOR,
    PRIOR_COMPLETION,
    VolumePlan,
    block_candidates,
    block_on,
    block_rules,
    horizon_target,
)
from engine.coach.reassessment import reassess, volume_plan
from engine.optimizer.catalogue import enumerate_candidates
from engine.optimizer.choose import Rules

ANCHOR = date(2025, 1, 8)  # a Wednesday: blocks start on Monday 2025-01-06
MONDAY = date(2025, 1, 6)


@pytest.mark.parametrize(
    ("today", "index", "week", "phase", "emphasis"),
    [
        (date(2025, 1, 1), 0, 1, "build", "base"),  # before the anchor: block 0
        (date(2025, 1, 6), 0, 1, "build", "base"),
        (date(2025, 1, 19), 0, 2, "build", "base"),
        (date(2025, 1, 27), 0, 4, "deload", "base"),
        (date(2025, 2, 2), 0, 4, "deload", "base"),
        (date(2025, 2, 3), 1, 1, "build", "uphill"),
        (date(2025, 3, 3), 2, 1, "build", "explosive"),
        (date(2025, 3, 31), 3, 1, "build", "descent"),
        (date(2025, 4, 28), 4, 1, "build", "base"),
    ],
)
def test_block_on_counts_four_week_blocks_from_the_anchor_monday(
    today: date, index: int, week: int, phase: str, emphasis: str
) -> None:
    block = block_on(anchor=ANCHOR, today=today)
    assert (block.index, block.week_in_block, block.phase, block.emphasis) == (
        index,
        week,
        phase,
        emphasis,
    )
    if today >= MONDAY:
        assert block.starts == MONDAY + timedelta(days=28 * index)
        assert block.ends == block.starts + timedelta(days=27)
        assert block.next_reassessment == block.ends + timedelta(days=1)
        assert block.starts.weekday() == 0 and block.starts <= today <= block.ends


def test_block_to_dict_has_the_plan_json_keys() -> None:
    keys = set(block_on(anchor=ANCHOR, today=date(2025, 2, 10)).to_dict())
    assert keys >= {"index", "week_in_block", "phase", "emphasis", "starts", "ends"}
    assert "next_reassessment" in keys


@pytest.mark.parametrize(
    ("emphasis_day", "novice", "explosive", "downhill"),
    [
        (date(2025, 1, 6), False, False, False),  # base
        (date(2025, 2, 3), False, False, False),  # uphill
        (date(2025, 3, 3), False, True, False),  # explosive
        (date(2025, 3, 31), False, False, True),  # descent
        (date(2025, 3, 3), True, False, False),  # novices: never
        (date(2025, 3, 31), True, False, False),
    ],
)
def test_block_candidates_offer_explosive_and_downhill_only_in_their_blocks(
    emphasis_day: date, novice: bool, explosive: bool, downhill: bool
) -> None:
    block = block_on(anchor=ANCHOR, today=emphasis_day)
    types = {c.type for c in block_candidates(enumerate_candidates(), block=block, novice=novice)}
    assert ("strength_explosive" in types) is explosive
    assert ("downhill" in types) is downhill
    assert {"tempo", "hills", "long_trail", "strength_lower", "rest"} <= types


@pytest.mark.parametrize(
    ("day", "field", "value"),
    [
        (date(2025, 1, 6), "moderate", 1.2),
        (date(2025, 2, 3), "climb_per_m", 0.4),
        (date(2025, 3, 3), "hard", 1.35),
        (date(2025, 3, 31), "descent_per_m", 0.25),
    ],
)
def test_block_rules_credit_the_emphasis(day: date, field: str, value: float) -> None:
    block = block_on(anchor=ANCHOR, today=day)
    rules = block_rules(
        Rules(), block=block, target_au=1000.0, reference_au=1000.0, default_overload=0.05
    )
    w = rules.weights
    got = w.intensity[field] if field in w.intensity else getattr(w, field)
    assert got == pytest.approx(value)


@pytest.mark.parametrize(
    ("target", "reference", "overload"),
    [
        (1050.0, 1000.0, 0.05),
        (700.0, 1000.0, -0.3),
        (2000.0, 1000.0, 0.10),  # clipped to the ramp
        (100.0, 1000.0, -0.5),  # clipped to the floor
        (math.nan, 1000.0, 0.03),  # unknown target: the default
    ],
)
def test_block_rules_turn_the_volume_target_into_the_overload(
    target: float, reference: float, overload: float
) -> None:
    block = block_on(anchor=ANCHOR, today=date(2025, 1, 6))
    rules = block_rules(
        Rules(), block=block, target_au=target, reference_au=reference, default_overload=0.03
    )
    assert rules.weights.overload == pytest.approx(overload)


@pytest.mark.parametrize(
    ("week", "target"),
    [(1, 1040.0), (2, 1080.0), (3, 1120.0), (4, DELOAD_FACTOR * 1080.0)],  # overload 4%
)
def test_volume_plan_builds_three_weeks_then_deloads(week: int, target: float) -> None:
    assert VolumePlan(1000.0, 0.04).week_target(week) == pytest.approx(target)


def test_horizon_target_mixes_build_and_deload_days() -> None:
    plan = VolumePlan(1000.0, 0.04)
    # Thursday of week 3: 4 build days then 3 deload days
    thursday = MONDAY + timedelta(days=17)
    expected = (4 * 1120.0 + 3 * DELOAD_FACTOR * 1080.0) / 7
    assert horizon_target(plan, anchor=ANCHOR, today=thursday) == pytest.approx(expected)
    # a Monday of week 1: the whole week is week 1
    assert horizon_target(plan, anchor=ANCHOR, today=MONDAY) == pytest.approx(1040.0)


def _daily(days: int, *, load: float, start: date = MONDAY, **columns: float) -> pd.DataFrame:
    dates = pd.date_range(start, periods=days, freq="D")
    frame = pd.DataFrame(
        {
            "date": dates,
            "load_total": load,
            "rpe_max": np.where(np.arange(days) % 7 == 2, 7.0, 4.0),
            "readiness_today": columns.get("readiness", 60.0),
            "soreness": columns.get("soreness", 2.0),
            "sleep_h": columns.get("sleep_h", 7.5),
            "injured": 0.0,
            "illness": 0.0,
        }
    )
    return frame


def test_reassess_is_none_in_the_first_block() -> None:
    today = MONDAY + timedelta(days=10)
    assert reassess(_daily(20, load=200.0), anchor=ANCHOR, today=today) is None


def _two_blocks(last: dict, before: dict | None = None) -> pd.DataFrame:
    first = _daily(28, load=200.0, **(before or {}))
    second = _daily(28, load=220.0, start=MONDAY + timedelta(days=28), **last)
    return pd.concat([first, second], ignore_index=True)


@pytest.mark.parametrize(
    ("last", "lost_days", "verdict"),
    [
        ({}, 0, "progress"),
        ({"readiness": 55.0}, 0, "hold"),
        ({"readiness": 57.0}, 0, "progress"),
        ({"soreness": 2.5}, 0, "hold"),
        ({"sleep_h": 7.0}, 0, "hold"),
        ({"sleep_h": 6.0}, 0, "hold"),
        ({"readiness": 52.0, "soreness": 2.6}, 0, "reduce"),
        ({}, 4, "hold"),
        ({}, 8, "reduce"),
    ],
)
def test_reassess_verdicts_follow_the_athletes_numbers(
    last: dict, lost_days: int, verdict: str
) -> None:
    # given two logged blocks, the second with the numbers of the row
    daily = _two_blocks(last)
    daily.loc[daily.index[-lost_days:] if lost_days else [], "injured"] = 1.0
    # when the third block starts
    result = reassess(daily, anchor=ANCHOR, today=MONDAY + timedelta(days=56))
    # then the verdict, its overload, and what changed (volume, intensity, emphasis) and why
    assert result is not None
    assert result.verdict == verdict
    assert result.overload == BUILD_OVERLOAD[verdict]
    text = " ".join(result.changes)
    assert "volume: 1400 -> 1540 AU/week (+10%)" in text
    assert "intensity" in text and "emphasis: uphill -> explosive" in text
    assert result.reasons


def test_volume_plan_continues_the_plan_when_the_block_was_completed() -> None:
    # given a first block logged at 200 AU/day and a second at 230 (as much as expected)
    daily = pd.concat(
        [_daily(28, load=200.0), _daily(28, load=230.0, start=MONDAY + timedelta(days=28))],
        ignore_index=True,
    )
    # when planning the third block
    plan, reassessment = volume_plan(daily, anchor=ANCHOR, today=MONDAY + timedelta(days=56))
    # then block 1 planned 1400 logged AU/week over the prior completion (0.8) and block 2
    # follows its plan (x (1 + 2 x overload)); the completion is re-estimated from the logs
    first = 1400 / PRIOR_COMPLETION
    grown = first * (1 + 2 * BUILD_OVERLOAD["progress"])
    assert plan.base_au == pytest.approx(grown)
    assert plan.completion == pytest.approx(0.3 * 0.8 + 0.7 * 1610 / grown)
    assert plan.overload == BUILD_OVERLOAD["progress"]
    assert reassessment is not None and "block volume" in " ".join(reassessment.changes)


def test_volume_plan_falls_back_to_the_logged_load_when_the_block_was_missed() -> None:
    # given a second block logged at half the load
    daily = pd.concat(
        [_daily(28, load=200.0), _daily(28, load=100.0, start=MONDAY + timedelta(days=28))],
        ignore_index=True,
    )
    plan, _ = volume_plan(daily, anchor=ANCHOR, today=MONDAY + timedelta(days=56))
    # then the base is the logged 700 AU/week over the (lowest) completion 0.6
    assert plan.completion == pytest.approx(0.6)
    assert plan.base_au == pytest.approx(700.0 / 0.6)


def test_volume_plan_is_unknown_without_two_weeks_of_logs() -> None:
    plan, reassessment = volume_plan(_daily(5, load=200.0), anchor=ANCHOR, today=MONDAY)
    assert math.isnan(plan.base_au) and reassessment is None
