"""Deload weeks deload (issue 12 build 4): at most one hard session, shorter sessions."""

from __future__ import annotations

import datetime as dt

from engine.coach import coach
from engine.coach.deload import DELOAD_MAX_MIN, deload_limits
from engine.coach.periodisation import block_on
from engine.optimizer.catalogue import make_candidate
from tests.engine.coach.test_coach import NO_MODELS, history

ANCHOR = dt.date(2025, 1, 2)  # the first session of history(): blocks start Monday 2024-12-30


def _deload_monday(index: int) -> dt.date:
    block = block_on(anchor=ANCHOR, today=ANCHOR + dt.timedelta(days=28 * index))
    return block.starts + dt.timedelta(days=21)


def test_a_deload_week_plans_at_most_one_hard_session_and_shorter_sessions() -> None:
    # given the Monday of a deload week (block 2, week 4) after 9 weeks of logs
    monday = _deload_monday(2)
    assert block_on(anchor=ANCHOR, today=monday).phase == "deload"
    morning = coach.prepare_morning(history(days=(monday - dt.date(2025, 1, 1)).days), today=monday)
    # when the coach plans the week, even with a hard-minded weekly structure
    plan = coach.plan_days(morning, NO_MODELS, rules=coach.default_rules(), locks={})
    days = [d.candidate for d in plan.plan.days]
    # then at most one session is hard and none is longer than the deload cap
    assert sum(c.intensity == "hard" for c in days) <= 1, [c.type for c in days]
    assert all(c.duration_min <= DELOAD_MAX_MIN for c in days)


def test_deload_limits_allow_one_hard_day_and_none_after_a_logged_hard_session() -> None:
    monday = _deload_monday(1)
    week = [90] * 7
    limits = deload_limits(anchor=ANCHOR, today=monday, availability_min=week, recent=())
    hard = make_candidate("hills", 60)
    allowed = [d for d, found in limits.items() if all(x.allows(hard) for x in found)]
    assert allowed == [monday + dt.timedelta(days=2)]  # Wednesday
    # a build week has no deload limit
    assert deload_limits(anchor=ANCHOR, today=monday - dt.timedelta(days=7),
                         availability_min=week, recent=()).keys().isdisjoint(
        {monday - dt.timedelta(days=7 - k) for k in range(7)}
    )  # fmt: skip
