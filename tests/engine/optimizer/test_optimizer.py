"""Optimizer: plain tables of athlete mornings and the sessions the coach may choose."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest

from engine.errors import InvalidRulesError
from engine.optimizer.catalogue import CATALOGUE, Candidate, enumerate_candidates, make_candidate
from engine.optimizer.choose import (
    AthleteContext,
    Choice,
    ObjectiveWeights,
    PastSession,
    PlannedDay,
    Rules,
    WeekPlan,
    choose_session,
    plan_week,
)
from engine.optimizer.constraints import violations
from engine.optimizer.reasons import signal_reasons

TODAY = date(2025, 3, 5)  # a Wednesday
SAFE = frozenset({"rest", "mobility", "easy_spin", "walk"})
RECOVERY = frozenset({"rest", "mobility"})
TRAINING = frozenset(CATALOGUE) - RECOVERY
NOT_HARD = frozenset(t for t, s in CATALOGUE.items() if s.intensity != "hard")
NOT_HARD_RUN = frozenset(
    t for t, s in CATALOGUE.items() if not (s.kind == "run" and s.intensity == "hard")
)
NO_STRENGTH = frozenset(t for t, s in CATALOGUE.items() if s.kind != "strength")
EASY = frozenset(t for t, s in CATALOGUE.items() if s.intensity in ("rest", "easy"))


def session(days_ago: int, type_id: str, minutes: float) -> PastSession:
    """A logged catalogue session ``days_ago`` days before TODAY."""
    spec = CATALOGUE[type_id]
    return PastSession(
        TODAY - timedelta(days=days_ago),
        type_id,
        spec.kind,
        spec.intensity,
        minutes,
        spec.target_rpe * minutes,
    )


def context(**overrides: Any) -> AthleteContext:
    """A steady athlete: 60 days at 270 AU/day (1890 AU/week), 90 min a day, nothing flagged."""
    base: dict[str, Any] = {
        "today": TODAY,
        "availability_min": (90,) * 7,
        "daily_load": (270.0,) * 60,
    }
    return AthleteContext(**{**base, **overrides})


def week(**minutes_by_weekday: int) -> tuple[int, ...]:
    """Availability with 90 min a day except the named weekdays (``wed=30``)."""
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return tuple(minutes_by_weekday.get(n, 90) for n in names)


@dataclass(frozen=True)
class Forecast:
    """Model predictions as simple rules of the candidate (readiness 0-100, risk 0-1)."""

    readiness: float = 75.0
    risk: float = 0.03
    hard_risk: float | None = None
    quality_readiness: float | None = None

    def arrays(self, candidates: list[Candidate]) -> tuple[np.ndarray, np.ndarray]:
        readiness = np.array(
            [
                self.quality_readiness
                if self.quality_readiness is not None and c.intensity in ("moderate", "hard")
                else self.readiness - 0.02 * c.load_au
                for c in candidates
            ]
        )
        risk = np.array(
            [
                self.hard_risk
                if self.hard_risk is not None and c.intensity == "hard"
                else self.risk + 0.00005 * c.load_au
                for c in candidates
            ]
        )
        return readiness, risk


@dataclass(frozen=True)
class Case:
    """One row of the table: a morning and what the coach may choose."""

    given: dict[str, Any]
    allowed: frozenset[str]
    forecast: Forecast = Forecast()
    fallback: bool = False
    max_minutes: float = math.inf
    exactly: Candidate | None = None
    extra: dict[str, Any] = field(default_factory=dict)


TRAIL = make_candidate("long_trail", 150)
TEMPO = make_candidate("tempo", 55)
CASES = {
    "fresh athlete trains": Case({}, TRAINING),
    "open injury: rest, mobility or easy cross only": Case({"open_injury": True}, SAFE),
    "illness: rest, mobility or easy cross only": Case({"illness": True}, SAFE),
    "pain: rest, mobility or easy cross only": Case({"pain": True}, SAFE),
    "yesterday hard run: neither hard nor strength": Case(
        {"recent": (session(1, "tempo", 55),)}, NOT_HARD & NO_STRENGTH
    ),
    "yesterday hard lifting: not hard": Case(
        {"recent": (session(1, "strength_explosive", 45),)}, NOT_HARD & NOT_HARD_RUN
    ),
    "yesterday strength: no hard run": Case(
        {"recent": (session(1, "strength_lower", 60),)}, NOT_HARD_RUN
    ),
    "hard day before yesterday only: hard allowed": Case(
        {"recent": (session(2, "hills", 60),)}, TRAINING
    ),
    "30 minutes today: short session": Case(
        {"availability_min": week(wed=30)}, TRAINING, max_minutes=30
    ),
    "no time today: rest": Case(
        {"availability_min": week(wed=0)}, frozenset({"rest"}), fallback=True
    ),
    "high predicted risk on hard sessions: easier choice": Case(
        {}, NOT_HARD, Forecast(hard_risk=0.40)
    ),
    "low predicted readiness: easy only": Case({}, EASY, Forecast(quality_readiness=20.0)),
    "everything too risky: rest or mobility fallback": Case(
        {}, RECOVERY, Forecast(risk=0.9), fallback=True
    ),
    "no predictions at all: rest or mobility fallback": Case(
        {}, RECOVERY, Forecast(readiness=math.nan, risk=math.nan), fallback=True
    ),
    "7-day load already over the ramp cap: fallback": Case(
        {"daily_load": (100.0,) * 22 + (300.0,) * 6}, RECOVERY, fallback=True
    ),
    "two strength sessions this week: no third": Case(
        {"recent": (session(3, "strength_full", 45), session(5, "strength_lower", 45))},
        NO_STRENGTH,
    ),
    "tempo done 4 days ago: no second tempo or fartlek": Case(
        {"recent": (session(4, "fartlek", 40),)}, TRAINING - {"tempo", "fartlek"}
    ),
    "new athlete without history: starts small": Case(
        {"daily_load": ()}, TRAINING, extra={"max_load": 330.0}
    ),
    "coach lock today is kept beyond availability": Case(
        {"locked": {TODAY: TRAIL}, "availability_min": week(wed=60)},
        frozenset({"long_trail"}),
        exactly=TRAIL,
    ),
    "locked race tomorrow: neither hard nor strength today": Case(
        {"locked": {TODAY + timedelta(days=1): TEMPO}}, NOT_HARD & NO_STRENGTH
    ),
    "injury drops an unsafe coach lock": Case(
        {"open_injury": True, "locked": {TODAY: TEMPO}}, SAFE
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_choose_session_picks_an_allowed_session(name: str) -> None:
    # given a morning from the table and today's candidates with their predictions
    case = CASES[name]
    ctx = context(**case.given)
    candidates = enumerate_candidates()
    readiness, risk = case.forecast.arrays(candidates)
    # when choosing
    choice = choose_session(
        context=ctx, candidates=candidates, readiness=readiness, injury_risk=risk
    )
    # then the choice is allowed, marked fallback as expected, and breaks no hard rule
    assert choice.candidate.type in case.allowed, choice.reasons
    assert choice.fallback is case.fallback
    assert choice.candidate.duration_min <= case.max_minutes
    assert choice.candidate.load_au <= case.extra.get("max_load", math.inf)
    if case.exactly is not None:
        assert choice.candidate == case.exactly
    assert violations(choice, context=ctx) == []
    assert 2 <= len(choice.reasons) <= 4


HIGHS_CASES = [
    "open injury: rest, mobility or easy cross only",
    "yesterday hard run: neither hard nor strength",
    "everything too risky: rest or mobility fallback",
    "locked race tomorrow: neither hard nor strength today",
]


@pytest.mark.parametrize("name", HIGHS_CASES)
def test_choose_session_with_highs_picks_an_allowed_session(name: str) -> None:
    # given a table morning with a short week (keeps the HiGHS search small)
    case = CASES[name]
    ctx = context(**{"availability_min": (45, 0, 45, 30, 45, 0, 60), **case.given})
    candidates = enumerate_candidates()
    readiness, risk = case.forecast.arrays(candidates)
    # when choosing with the alternative solver / then the same rules hold
    choice = choose_session(
        context=ctx, candidates=candidates, readiness=readiness, injury_risk=risk, solver="highs"
    )
    assert choice.candidate.type in case.allowed
    assert choice.fallback is case.fallback
    assert violations(choice, context=ctx) == []


@pytest.mark.parametrize(
    "name",
    [
        "fresh athlete trains",
        "yesterday hard run: neither hard nor strength",
        "locked race tomorrow: neither hard nor strength today",
        "open injury: rest, mobility or easy cross only",
    ],
)
def test_plan_week_day0_equals_choose_session(name: str) -> None:
    # given a morning from the table
    case = CASES[name]
    ctx = context(**case.given)
    candidates = enumerate_candidates()
    readiness, risk = case.forecast.arrays(candidates)
    kwargs = {"context": ctx, "candidates": candidates, "readiness": readiness, "injury_risk": risk}
    # when choosing today and planning the week
    choice, plan = choose_session(**kwargs), plan_week(**kwargs)
    # then today's planned session is the choice, and the plan breaks no rule
    assert plan.days[0].candidate == choice.candidate
    assert plan.days[0].reasons == choice.reasons
    # the choice heads a 4-day plan (CHOICE_HORIZON_DAYS), the week plan covers 7 days
    assert math.isfinite(plan.objective) and math.isfinite(choice.objective)
    assert violations(plan, context=ctx) == []


def _plan(ctx: AthleteContext, **kwargs: Any) -> Any:
    candidates = enumerate_candidates()
    readiness, risk = Forecast().arrays(candidates)
    return plan_week(
        context=ctx, candidates=candidates, readiness=readiness, injury_risk=risk, **kwargs
    )


def _counts(plan: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for day in plan.days:
        category = CATALOGUE[day.candidate.type].category
        out[category] = out.get(category, 0) + 1
    return out


def test_plan_week_meets_the_default_structure_when_time_allows() -> None:
    # given a steady athlete with 90 min every day and a free weekend
    ctx = context(availability_min=week(sat=180, sun=180))
    # when planning the week
    plan = _plan(ctx)
    # then 2 trail runs, 1 tempo/fartlek, 2 strength and 2 easy days, no rule broken
    assert _counts(plan) == {"trail_run": 2, "tempo_or_fartlek": 1, "strength": 2, "easy": 2}
    assert plan.feasible
    assert [d.date for d in plan.days] == [TODAY + timedelta(days=k) for k in range(7)]
    assert violations(plan, context=ctx) == []


def test_plan_week_relaxes_the_structure_with_a_note_when_time_is_short() -> None:
    # given only two free days this week
    ctx = context(availability_min=(0, 0, 60, 0, 0, 90, 0))
    # when planning
    plan = _plan(ctx)
    # then the plan is marked relaxed, says what did not fit, and still breaks no rule
    assert not plan.feasible
    assert any("fit this week" in note for note in plan.notes)
    assert sum(d.candidate.type != "rest" for d in plan.days) <= 2
    assert violations(plan, context=ctx) == []


def test_plan_week_keeps_injured_athletes_on_safe_sessions_all_week() -> None:
    ctx = context(open_injury=True)
    plan = _plan(ctx)
    assert {d.candidate.type for d in plan.days} <= SAFE
    assert any("assumed to last all week" in note for note in plan.notes)
    assert not plan.feasible


def test_plan_week_keeps_locked_days_and_spaces_their_neighbours() -> None:
    # given a locked tempo in two days and a locked long run in five
    locks = {TODAY + timedelta(days=2): TEMPO, TODAY + timedelta(days=5): TRAIL}
    ctx = context(locked=locks, availability_min=week(sat=180, sun=180))
    # when planning
    plan = _plan(ctx)
    # then the locks are kept and the days around the tempo are neither hard nor strength
    by_date = {d.date: d for d in plan.days}
    for when, lock in locks.items():
        assert by_date[when].candidate == lock and by_date[when].locked
    for k in (1, 3):
        neighbour = plan.days[k].candidate
        assert neighbour.intensity != "hard" and neighbour.kind != "strength"
    assert violations(plan, context=ctx) == []


@pytest.mark.parametrize("days", [1, 3, 7])
def test_plan_week_returns_the_requested_days(days: int) -> None:
    assert len(_plan(context(), days=days).days) == days


@pytest.mark.parametrize("days", [0, 8])
def test_plan_week_rejects_days_outside_1_to_7(days: int) -> None:
    with pytest.raises(ValueError, match="days must be 1-7"):
        _plan(context(), days=days)


def test_choose_session_rejects_predictions_of_the_wrong_length() -> None:
    candidates = enumerate_candidates()
    with pytest.raises(ValueError, match="one value per candidate"):
        choose_session(
            context=context(),
            candidates=candidates,
            readiness=np.zeros(3),
            injury_risk=np.zeros(len(candidates)),
        )


def test_choose_session_adds_rest_when_the_caller_offers_none() -> None:
    # given only hard candidates, all too risky
    candidates = [make_candidate("tempo", 40), make_candidate("hills", 45)]
    choice = choose_session(
        context=context(),
        candidates=candidates,
        readiness=np.array([70.0, 70.0]),
        injury_risk=np.array([0.9, 0.9]),
    )
    # then rest is the fallback, without a model prediction
    assert choice.candidate.type == "rest" and choice.fallback
    assert math.isnan(choice.readiness)


@pytest.mark.parametrize(
    "overrides",
    [
        {"risk_ceiling": 0.0},
        {"readiness_floor": 120.0},
        {"ramp_max": -0.1},
        {"acwr_band": (1.2, 0.9)},
        {"weekly_structure": {"yoga": 2}},
        {"weekly_structure": {"strength": 9}},
        {"weights": ObjectiveWeights(overload=0.2)},
    ],
)
def test_rules_reject_out_of_range_settings(overrides: dict[str, Any]) -> None:
    with pytest.raises(InvalidRulesError):
        Rules(**overrides)


def test_rules_can_change_the_weekly_structure() -> None:
    # given a beginner structure: one trail run, no tempo, three strength days
    rules = Rules(weekly_structure={"trail_run": 1, "tempo_or_fartlek": 0, "strength": 3})
    ctx = context(availability_min=week(sat=180, sun=180))
    plan = _plan(ctx, rules=rules)
    counts = _counts(plan)
    assert counts.get("trail_run") == 1 and counts.get("strength") == 3
    assert counts.get("tempo_or_fartlek", 0) == 0
    assert violations(plan, context=ctx, rules=rules) == []


# --- reasons -------------------------------------------------------------------------------


def _choose(ctx: AthleteContext, forecast: Forecast = Forecast()) -> Any:
    candidates = enumerate_candidates()
    readiness, risk = forecast.arrays(candidates)
    return choose_session(context=ctx, candidates=candidates, readiness=readiness, injury_risk=risk)


def test_choice_reasons_cite_the_athletes_own_numbers() -> None:
    # given a short night and a heavy week in the athlete's signals
    signals = {"sleep_h": 5.1, "sleep_h_avg": 7.3, "load_7d": 2070.0, "load_28d_weekly_avg": 1500.0}
    choice = _choose(context(signals=signals))
    text = " | ".join(choice.reasons)
    # then the reasons quote them
    assert "slept 5.1 h against your 7.3 h average" in text
    assert "1.38x your 4-week average" in text
    assert 2 <= len(choice.reasons) <= 4


def test_choice_reasons_say_why_harder_options_were_ruled_out() -> None:
    choice = _choose(context(recent=(session(1, "hills", 60),)))
    assert any("ruled out" in r and "two hard days in a row" in r for r in choice.reasons)


def test_choice_reasons_name_the_risk_ceiling_when_it_binds() -> None:
    choice = _choose(context(), Forecast(hard_risk=0.4))
    assert any("ruled out" in r and "40%" in r and "25% ceiling" in r for r in choice.reasons)


def test_fallback_reasons_say_it_is_the_fallback() -> None:
    choice = _choose(context(), Forecast(risk=0.9))
    assert choice.fallback
    assert any("fallback" in r for r in choice.reasons)
    assert any("ruled out" in r for r in choice.reasons)


def test_signal_reasons_skip_missing_and_nan_numbers() -> None:
    signals = {"sleep_h": math.nan, "sleep_h_avg": 7.0, "soreness": 6.0, "soreness_avg": 2.5}
    assert signal_reasons(signals) == ["soreness 6 against your usual 2.5"]
    assert signal_reasons({}) == []


def test_after_a_break_the_reasons_say_no_load_instead_of_a_zero_ratio() -> None:
    signals = {"load_7d": 0.0, "load_28d_weekly_avg": 0.0, "acwr_ewma": 0.0}
    assert signal_reasons(signals) == ["no training load logged in the last 4 weeks"]
    # with a 4-week load, the ratio is cited as before
    assert signal_reasons({"load_7d": 500.0, "load_28d_weekly_avg": 400.0}) == [
        "7-day load is 1.25x your 4-week average (500 vs 400 AU)"
    ]


# --- violations ----------------------------------------------------------------------------


def _today(type_id: str, minutes: float, *, readiness: float = 70.0, risk: float = 0.05) -> Choice:
    return Choice(make_candidate(type_id, minutes), readiness, risk, [], False, 0.0)


VIOLATIONS = {
    "tempo with an open injury": ({"open_injury": True}, _today("tempo", 40), "unwell"),
    "hard after a hard day": (
        {"recent": (session(1, "hills", 60),)},
        _today("tempo", 40),
        "hard_days",
    ),
    "strength after a hard run": (
        {"recent": (session(1, "tempo", 55),)},
        _today("strength_lower", 45),
        "strength_spacing",
    ),
    "hard run after strength": (
        {"recent": (session(1, "strength_full", 45),)},
        _today("fartlek", 40),
        "strength_spacing",
    ),
    "strength before a locked hard run": (
        {"locked": {TODAY + timedelta(days=1): TEMPO}},
        _today("strength_full", 45),
        "strength_spacing",
    ),
    "longer than the time available": (
        {"availability_min": week(wed=30)},
        _today("easy_trail", 60),
        "availability",
    ),
    "over the ramp cap": (
        {"daily_load": (100.0,) * 22 + (300.0,) * 6},
        _today("easy_trail", 60),
        "ramp",
    ),
    "too much for a new athlete": ({"daily_load": ()}, _today("long_trail", 150), "acwr_high"),
    "a token quality session while the ratio sags": (
        {"daily_load": (500.0,) * 56 + (300.0,) * 4},
        _today("strength_explosive", 30),
        "acwr_low",
    ),
    "over the risk ceiling": ({}, _today("easy_trail", 40, risk=0.5), "risk"),
    "under the readiness floor": ({}, _today("long_trail", 75, readiness=10.0), "readiness"),
    "a third strength session": (
        {"recent": (session(2, "strength_full", 45), session(4, "strength_lower", 45))},
        _today("strength_explosive", 30),
        "structure",
    ),
    "ignoring the coach's lock": ({"locked": {TODAY: TEMPO}}, _today("rest", 0), "locked"),
}


@pytest.mark.parametrize("name", VIOLATIONS)
def test_violations_names_the_broken_rule(name: str) -> None:
    # given a context and a choice that breaks one rule
    given, choice, code = VIOLATIONS[name]
    ctx = context(**given)
    # when checking / then that rule is reported, and resting instead breaks nothing
    assert any(f": {code}: " in v for v in violations(choice, context=ctx)), violations(
        choice, context=ctx
    )
    if code != "locked":
        assert violations(_today("rest", 0), context=ctx) == []


def _week_plan(types: list[tuple[str, float]]) -> WeekPlan:
    days = [
        PlannedDay(TODAY + timedelta(days=k), make_candidate(t, m), False, [])
        for k, (t, m) in enumerate(types)
    ]
    return WeekPlan(days, 0.0, True, [])


def test_violations_checks_every_day_of_a_plan() -> None:
    # given a plan with hard days back to back on Thursday and Friday
    plan = _week_plan([("rest", 0), ("tempo", 40), ("hills", 45), ("rest", 0)])
    problems = violations(plan, context=context())
    # then exactly that pair is reported, on the second day
    assert problems == [
        f"{TODAY + timedelta(days=2)}: hard_days: two hard days in a row (the day before: tempo)"
    ]


def test_violations_rejects_plans_that_skip_days() -> None:
    plan = _week_plan([("rest", 0), ("walk", 30)])
    skipped = WeekPlan(
        [plan.days[0], replace(plan.days[1], date=TODAY + timedelta(days=3))], 0.0, True, []
    )
    assert any(": dates: " in v for v in violations(skipped, context=context()))


def test_strength_credit_adds_points_per_au_of_strength_work_only() -> None:
    from engine.optimizer.horizon import stimulus

    plain, credited = ObjectiveWeights(), ObjectiveWeights(strength_per_au=0.3)
    lift = make_candidate("strength_lower", 60)  # moderate, 360 AU
    run = make_candidate("long_trail", 100)
    assert stimulus(lift, credited) - stimulus(lift, plain) == pytest.approx(0.3 * lift.load_au)
    assert stimulus(run, credited) == pytest.approx(stimulus(run, plain))
