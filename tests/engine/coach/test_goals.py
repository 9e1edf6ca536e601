"""Goal events in the coach: taper sized by the event, the race on its day, recovery after."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.coach import coach
from engine.coach.goals import GoalEvent, goal_plan, race_candidate, recovery_days, taper_days
from engine.optimizer.constraints import violations
from tests.engine.coach.test_coach import NO_MODELS, TODAY, history

RULES = coach.default_rules()
FIFTY_K = GoalEvent(1, TODAY + dt.timedelta(days=14), "first ultra", 50.0, 2000.0, "A")


@pytest.mark.parametrize(
    ("distance", "climb", "priority", "taper"),
    [(10, 100, "A", 7), (21.1, 300, "A", 7), (42.2, 500, "A", 14), (50, 2000, "A", 21),
     (21.1, 300, "B", 4), (10, 0, "C", 2)],
)  # fmt: skip
def test_taper_is_sized_by_the_event(distance: float, climb: float, priority: str, taper: int):
    event = GoalEvent(1, TODAY, "race", distance, climb, priority)
    assert taper_days(event) == taper
    assert 1 <= recovery_days(event) <= 10


def test_race_is_a_run_planned_from_distance_and_climb() -> None:
    race = race_candidate(FIFTY_K)
    assert (race.type, race.kind, race.intensity) == ("race", "run", "hard")
    assert race.distance_km == 50.0 and race.elevation_gain_m == 2000.0
    assert race.duration_min > 300  # 50 km and 2000 m is a long day


def _plan(days_before_race: int, events: list[GoalEvent]) -> coach.CoachPlan:
    today = FIFTY_K.date - dt.timedelta(days=days_before_race)
    morning = coach.prepare_morning(history(), today=today)
    return coach.plan_days(morning, NO_MODELS, rules=RULES, locks={}, events=events)


def test_an_a_race_14_days_ahead_tapers_races_and_recovers() -> None:
    # given a 50 km A race with 2000 m of climb 14 days ahead
    # when the coach plans 14 days before, 6 days before and the day after
    early, race_week, after = (_plan(d, [FIFTY_K]) for d in (14, 6, -1))
    # then 14 days before the plan is in the taper: a lower target, sessions <= 125 min
    assert early.inputs.goal["phase"] == "taper" and early.inputs.goal["taper_days"] == 21
    assert early.inputs.rules.weights.overload <= -0.2
    assert all(d.candidate.duration_min <= 125 for d in early.plan.days)
    # and in race week there is no hard session in the last 3 days, the race on its day
    days = race_week.plan.days
    assert days[6].date == FIFTY_K.date and days[6].candidate.type == "race" and days[6].locked
    assert all(d.candidate.intensity != "hard" for d in days[3:6])
    # and after it the athlete recovers: easy only, short, in the first days
    for d in after.plan.days[: (recovery_days(FIFTY_K) + 1) // 2]:
        assert d.candidate.intensity in ("rest", "easy") and d.candidate.duration_min <= 45
    # and no plan breaks a hard rule (taper and recovery limits are hard rules)
    for p in (early, race_week, after):
        assert violations(p.plan, context=p.inputs.context, rules=p.inputs.rules) == []
    assert after.to_dict()["goal"]["phase"] == "recovery"


def test_a_50k_build_offers_and_plans_long_runs_beyond_150_minutes() -> None:
    # given the same 50 km A race 9 weeks ahead (the build)
    far = GoalEvent(1, TODAY + dt.timedelta(days=63), "first ultra", 50.0, 2000.0, "A")
    longest = []
    for k in range(3):
        morning = coach.prepare_morning(history(), today=TODAY + dt.timedelta(days=k))
        plan = coach.plan_days(morning, NO_MODELS, rules=RULES, locks={}, events=[far])
        assert plan.inputs.goal["phase"] == "build"
        longest.append(max(d.candidate.duration_min for d in plan.plan.days))
    # then the build plans long runs above the catalogue's 150 min
    assert max(longest) > 150
    # and a 10 km goal does not
    short = GoalEvent(1, far.date, "10k", 10.0, 100.0, "A")
    assert goal_plan([short], today=TODAY).long_runs == ()


def test_b_race_gets_a_mini_taper_without_a_hard_session_in_its_last_two_days() -> None:
    b_race = GoalEvent(2, FIFTY_K.date, "tune-up", 21.1, 400.0, "B")
    days = _plan(4, [b_race]).plan.days
    assert days[4].candidate.type == "race"
    assert all(d.candidate.intensity != "hard" for d in days[2:4])
