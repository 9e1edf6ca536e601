"""Properties of the optimizer over random athlete mornings (hypothesis)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.optimizer.catalogue import (
    CATALOGUE,
    Candidate,
    enumerate_candidates,
    is_safe_when_unwell,
    make_candidate,
)
from engine.optimizer.choose import AthleteContext, PastSession, choose_session, plan_week
from engine.optimizer.constraints import violations
from engine.optimizer.limits import DayLimit

ALL = enumerate_candidates()
OFFERED = sorted({c.type for c in ALL} - {"rest"})  # race is planned from goal events only
MINUTES = st.sampled_from([0, 20, 30, 45, 60, 90, 120, 180])
RARELY = st.sampled_from([False, False, False, False, True])
PROBABILITY = st.one_of(st.floats(0.0, 1.0), st.just(math.nan))
READINESS = st.one_of(st.floats(0.0, 100.0), st.just(math.nan))
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Morning:
    """A random morning: the context, today's candidates and their predictions."""

    context: AthleteContext
    candidates: list[Candidate]
    readiness: np.ndarray
    injury_risk: np.ndarray

    def kwargs(self) -> dict:
        return {
            "context": self.context,
            "candidates": self.candidates,
            "readiness": self.readiness,
            "injury_risk": self.injury_risk,
        }


@st.composite
def sessions(draw: st.DrawFn, today: date) -> tuple[PastSession, ...]:
    out = []
    for days_ago in draw(st.lists(st.integers(1, 8), max_size=8)):
        spec = CATALOGUE[draw(st.sampled_from(OFFERED))]
        minutes = float(draw(st.sampled_from(spec.durations_min)))
        when = today - timedelta(days=days_ago)
        out.append(
            PastSession(
                when, spec.type, spec.kind, spec.intensity, minutes, spec.target_rpe * minutes
            )
        )
    return tuple(out)


@st.composite
def day_limits(draw: st.DrawFn, today: date) -> dict[date, tuple[DayLimit, ...]]:
    """Random caps (red flags, returns, tapers) on random days of the week ahead."""
    out: dict[date, tuple[DayLimit, ...]] = {}
    for offset in draw(st.lists(st.integers(0, 7), max_size=4)):
        limit = DayLimit(
            draw(st.sampled_from(["illness_return", "worst_checkin", "taper", "injury"])),
            "drawn",
            max_intensity=draw(st.sampled_from(["easy", "moderate", "hard"])),
            kinds=draw(st.sampled_from([None, frozenset({"cross"}), frozenset({"run", "cross"})])),
            max_minutes=draw(st.sampled_from([math.inf, 40.0, 45.0, 90.0])),
            binds_locks=draw(st.booleans()),
        )
        when = today + timedelta(days=offset)
        out[when] = (*out.get(when, ()), limit)
    return out


@st.composite
def mornings(draw: st.DrawFn) -> Morning:
    today = draw(st.dates(date(2024, 1, 1), date(2026, 12, 31)))
    availability = tuple(draw(st.lists(MINUTES, min_size=7, max_size=7)))
    level = draw(st.sampled_from([0.0, 80.0, 250.0, 450.0]))
    n_days = draw(st.integers(0, 60))
    loads = tuple(
        level * x for x in draw(st.lists(st.floats(0.0, 2.0), min_size=n_days, max_size=n_days))
    )
    locked = {
        today + timedelta(days=offset): draw(st.sampled_from(ALL))
        for offset in draw(st.lists(st.integers(0, 8), max_size=2, unique=True))
    }
    signals = {
        "sleep_h": draw(st.floats(3.0, 10.0)),
        "sleep_h_avg": 7.2,
        "load_7d": draw(st.floats(0.0, 3000.0)),
        "load_28d_weekly_avg": 1500.0,
    }
    context = AthleteContext(
        today=today,
        availability_min=availability,  # type: ignore[arg-type]
        daily_load=loads,
        recent=draw(sessions(today)),
        open_injury=draw(RARELY),
        illness=draw(RARELY),
        pain=draw(RARELY),
        signals=draw(st.sampled_from([{}, signals])),
        locked=locked,
        limits=draw(st.one_of(st.just({}), day_limits(today))),
    )
    if draw(st.booleans()):
        candidates = enumerate_candidates(max_minutes=max(availability[today.weekday()], 30))
    else:  # a caller's own subset, possibly without rest
        candidates = draw(st.lists(st.sampled_from(ALL), min_size=1, max_size=12, unique=True))
    n = len(candidates)
    readiness = np.array(draw(st.lists(READINESS, min_size=n, max_size=n)))
    risk = np.array(draw(st.lists(PROBABILITY, min_size=n, max_size=n)))
    return Morning(context, candidates, readiness, risk)


@FAST
@given(morning=mornings())
def test_choose_session_never_breaks_a_hard_rule(morning: Morning) -> None:
    # given any morning / when choosing
    choice = choose_session(**morning.kwargs())
    # then no hard rule is broken and the reasons are 2-4 sentences
    assert violations(choice, context=morning.context) == []
    assert 2 <= len(choice.reasons) <= 4
    c = choice.candidate
    if choice.fallback:
        assert c.type in ("rest", "mobility")
    if morning.context.unwell:
        assert is_safe_when_unwell(type_id=c.type, kind=c.kind, intensity=c.intensity)
    # and every day limit on today holds (on a locked day: the binding ones), and a rule that
    # ruled a session out is named
    today_limits = morning.context.limits.get(morning.context.today, ())
    locked = morning.context.today in morning.context.locked and any(
        "locked by your coach" in r for r in choice.reasons
    )
    assert all(x.allows(c) for x in today_limits if x.binds_locks or not locked)
    for limit in morning.context.limits.get(morning.context.today, ()):
        if any(limit.code in r for r in choice.reasons):
            assert any(a.startswith(f"{limit.code}:") for a in choice.rules_applied)


@FAST
@given(morning=mornings())
def test_plan_week_never_breaks_a_hard_rule_and_starts_with_the_choice(morning: Morning) -> None:
    # given any morning / when planning the week and choosing today
    plan = plan_week(**morning.kwargs())
    choice = choose_session(**morning.kwargs())
    # then the plan breaks no rule and its first day is today's choice
    assert violations(plan, context=morning.context) == []
    assert plan.days[0].candidate == choice.candidate
    assert plan.days[0].reasons == choice.reasons
    assert len(plan.days) == 7
    # and every day of the plan keeps its day limits (locked days: the binding ones)
    for day in plan.days:
        limits = morning.context.limits.get(day.date, ())
        assert all(x.allows(day.candidate) for x in limits if x.binds_locks or not day.locked)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(morning=mornings())
def test_plan_week_with_highs_never_breaks_a_hard_rule(morning: Morning) -> None:
    plan = plan_week(**morning.kwargs(), solver="highs")
    assert violations(plan, context=morning.context) == []


def test_make_candidate_round_trips_through_the_catalogue() -> None:
    # a lock built from the catalogue is an ordinary candidate (used by the strategies above)
    assert make_candidate("tempo", 40) in ALL
