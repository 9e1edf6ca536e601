"""Deload weeks deload: at most one hard session and shorter sessions, as day limits.

Pure. In a deload week (the last week of each 4-week block) every day but one is capped at
moderate intensity and ``DELOAD_MAX_MIN`` minutes; the one day that may hold a hard session is
the first of Wednesday, Thursday, Tuesday, Saturday, Friday, Sunday, Monday with at least
``HARD_DAY_MIN_MIN`` minutes available, and none if a hard session was already logged in that
week. The volume plan's deload target (70% of the build weeks) lowers the load itself. The
caps are ``DayLimit``s, so the hard-rule checker enforces them; a coach's lock wins.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from engine.coach.periodisation import block_on
from engine.optimizer.limits import DayLimit
from engine.optimizer.rules import PastSession

DELOAD_MAX_MIN = 100.0
HARD_DAY_ORDER = (2, 3, 1, 5, 4, 6, 0)  # Wed, Thu, Tue, Sat, Fri, Sun, Mon
HARD_DAY_MIN_MIN = 45
PLAN_DAYS = 7


def _hard_day(
    week_start: dt.date, *, availability_min: Sequence[int], recent: Sequence[PastSession]
) -> dt.date | None:
    if any(s.intensity == "hard" and s.date >= week_start for s in recent):
        return None
    for weekday in HARD_DAY_ORDER:
        if availability_min[weekday] >= HARD_DAY_MIN_MIN:
            return week_start + dt.timedelta(days=weekday)
    return None


def deload_limits(
    *,
    anchor: dt.date,
    today: dt.date,
    availability_min: Sequence[int],
    recent: Sequence[PastSession],
) -> dict[dt.date, tuple[DayLimit, ...]]:
    """Caps on the deload-week days among today and the next 6 days."""
    out: dict[dt.date, tuple[DayLimit, ...]] = {}
    for k in range(PLAN_DAYS):
        when = today + dt.timedelta(days=k)
        block = block_on(anchor=anchor, today=when)
        if block.phase != "deload":
            continue
        week_start = when - dt.timedelta(days=when.weekday())
        hard_day = _hard_day(week_start, availability_min=availability_min, recent=recent)
        if when == hard_day:
            detail = (
                f"deload week of block {block.index + 1}: the week's one hard session may "
                f"fall today; sessions up to {DELOAD_MAX_MIN:.0f} min"
            )
            limit = DayLimit("deload", detail, "hard", None, DELOAD_MAX_MIN, binds_locks=False)
        else:
            when_hard = f" (on {hard_day.strftime('%A')})" if hard_day else ""
            detail = (
                f"deload week of block {block.index + 1}: at most one hard session{when_hard}, "
                f"sessions up to {DELOAD_MAX_MIN:.0f} min"
            )
            limit = DayLimit("deload", detail, "moderate", None, DELOAD_MAX_MIN, binds_locks=False)
        out[when] = (limit,)
    return out
