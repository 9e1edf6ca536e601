"""A sound start and a stable calendar (issue 12 builds 4 and 5), with rule-based predictions."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from engine.coach import coach
from engine.coach.history import AthleteHistory
from engine.coach.scoring import ModelSet
from engine.coach.start import (
    break_return_limits,
    continuous_anchor,
    on_break,
    prior_weekly_au,
    seed_loads,
)
from engine.optimizer.constraints import violations
from pipelines.schemas import INJURY_COLUMNS, SESSION_COLUMNS, WELLNESS_COLUMNS, conform
from tests.engine.coach.test_coach import TODAY, history

NO_MODELS = ModelSet(None, None, {}, degraded_reason="no models in this test")
NEW_DAY = dt.date(2026, 12, 4)
WEEK = [60, 60, 60, 60, 60, 120, 120]


def _session(day: dt.date, type_id: str, minutes: float, rpe: float, ref: str) -> dict:
    return {"athlete_id": 1, "date": pd.Timestamp(day), "kind": "run", "type": type_id,
            "duration_min": minutes, "rpe": rpe, "source": "test", "external_id": ref}  # fmt: skip


def _new_athlete(rows: list[dict], *, experience: float = 4.0) -> AthleteHistory:
    def empty(columns: dict) -> pd.DataFrame:
        return pd.DataFrame(columns=list(columns))

    sessions = conform(pd.DataFrame(rows) if rows else empty(SESSION_COLUMNS), SESSION_COLUMNS,
                       name="sessions")  # fmt: skip
    profile = pd.DataFrame({"athlete_id": [1], "birth_year": [1990], "sex": ["female"],
                            "experience_years": [experience], "max_hr": [np.nan],
                            "resting_hr": [np.nan]})  # fmt: skip
    return AthleteHistory(
        1, WEEK, sessions,
        conform(empty(WELLNESS_COLUMNS), WELLNESS_COLUMNS, name="wellness"),
        conform(empty(INJURY_COLUMNS), INJURY_COLUMNS, name="injuries"),
        athlete=profile, created=NEW_DAY,
    )  # fmt: skip


BACKFILL = [
    _session(NEW_DAY - dt.timedelta(days=3), "easy_trail", 60, 4, "a"),
    _session(NEW_DAY - dt.timedelta(days=2), "long_trail", 100, 5, "b"),
    _session(NEW_DAY - dt.timedelta(days=1), "easy_trail", 45, 4, "c"),
]


def _plan(h: AthleteHistory, today: dt.date) -> coach.CoachPlan:
    morning = coach.prepare_morning(h, today=today)
    return coach.plan_days(morning, NO_MODELS, rules=coach.default_rules(), locks={})


def test_a_new_athlete_who_back_fills_3_days_keeps_running() -> None:
    # given a new athlete who logs their last 3 days on the first morning
    plan = _plan(_new_athlete(BACKFILL), NEW_DAY)
    # then the week holds at least 2 runs, today is not a fallback, and no rule is broken
    runs = [d for d in plan.plan.days if d.candidate.kind == "run"]
    assert len(runs) >= 2, [d.candidate.type for d in plan.plan.days]
    assert not any("fallback" in n for n in plan.plan.notes)
    assert violations(plan.plan, context=plan.inputs.context, rules=plan.inputs.rules) == []
    # and the 3 days are no acute spike: the acute:chronic ratio the models see is ordinary
    assert plan.morning.base_row["acwr_ewma"].iloc[0] < 1.3


def test_an_experienced_new_athlete_starts_from_the_profile_not_from_zero() -> None:
    # given two new athletes without logs: 4 years of training and a beginner
    seasoned = _plan(_new_athlete([], experience=4.0), NEW_DAY)
    beginner = _plan(_new_athlete([], experience=0.5), NEW_DAY)
    load = {
        name: sum(d.candidate.load_au for d in p.plan.days)
        for name, p in (("seasoned", seasoned), ("beginner", beginner))
    }
    sessions = sum(d.candidate.kind not in ("rest", "mobility") for d in seasoned.plan.days)
    # then the experienced one gets a real week (more than 2 x 40 min) and more than a beginner
    assert sessions >= 4 and load["seasoned"] > 1.5 * load["beginner"] > 0


def test_a_return_after_years_off_starts_like_a_beginner_in_the_first_week_of_a_block() -> None:
    # given two athletes with 4 years of experience: one logged nothing yet, one stopped
    # five years ago (their last runs are in the logs)
    old_runs = [
        _session(NEW_DAY - dt.timedelta(days=1900 - k), "long_trail", 120, 5, f"old-{k}")
        for k in range(5)
    ]
    fresh = _plan(_new_athlete([], experience=4.0), NEW_DAY)
    returning = _plan(_new_athlete(old_runs, experience=4.0), NEW_DAY)
    week = {
        name: sum(d.candidate.load_au for d in p.plan.days)
        for name, p in (("fresh", fresh), ("returning", returning))
    }
    # then the return starts lower (detrained: a beginner's prior), at week 1 of the first block
    assert 0 < week["returning"] < week["fresh"]
    assert prior_weekly_au(experience_years=4.0, availability_min=WEEK, returning=True) == (
        prior_weekly_au(experience_years=0.5, availability_min=WEEK)
    )
    assert returning.morning.block.index == 0 and returning.morning.block.week_in_block == 1
    # and the reasons say the load figures are assumed, instead of citing them as the athlete's
    text = " ".join(returning.plan.days[0].reasons)
    assert "assume" in text and "your 4-week average" not in text
    assert violations(returning.plan, context=returning.inputs.context,
                      rules=returning.inputs.rules) == []  # fmt: skip


def test_on_break_needs_old_sessions_and_none_recent() -> None:
    assert not on_break([], today=NEW_DAY)
    assert not on_break([NEW_DAY - dt.timedelta(days=10)], today=NEW_DAY)
    assert on_break([NEW_DAY - dt.timedelta(days=29)], today=NEW_DAY)


def test_an_imported_2012_run_changes_nothing_in_todays_answer() -> None:
    # given 9 weeks of logs, with and without a run imported from 2012
    base = history()
    old = pd.DataFrame([_session(dt.date(2012, 5, 1), "easy_trail", 50, 4, "old-2012")])
    with_old = AthleteHistory(
        1, base.availability_min, conform(pd.concat([old, base.sessions], ignore_index=True),
        SESSION_COLUMNS, name="sessions"), base.wellness, base.injuries, athlete=base.athlete,
    )  # fmt: skip
    rules = coach.default_rules()
    answers = [
        coach.recommend_today(coach.prepare_morning(h, today=TODAY), NO_MODELS, rules=rules,
                              locks={}).to_dict()
        for h in (base, with_old)
    ]  # fmt: skip
    # then the answer (session, reasons, block) is the same
    assert answers[0] == answers[1]


@pytest.mark.parametrize(
    ("days_ago", "expected"),
    [
        ([100, 99, 98, 3, 2, 1], 3),  # a 95-day break: the run starts 3 days ago
        ([40, 30, 20, 10, 1], 40),  # no break of 28+ days: the first session
        ([60, 50], 0),  # a break lasting until today: the run starts today
    ],
)
def test_block_anchor_is_the_current_run_of_training(days_ago: list[int], expected: int) -> None:
    days = [NEW_DAY - dt.timedelta(days=k) for k in days_ago]
    anchor = continuous_anchor(days, created=None, today=NEW_DAY)
    assert anchor == NEW_DAY - dt.timedelta(days=expected)
    assert continuous_anchor([], created=dt.date(2026, 1, 1), today=NEW_DAY) == dt.date(2026, 1, 1)


def test_seeded_loads_fill_the_unknown_past_at_the_prior() -> None:
    prior = prior_weekly_au(experience_years=4.0, availability_min=WEEK)
    seeded = seed_loads((240.0, 500.0, 180.0), prior_weekly=prior)
    assert len(seeded) == 28 and seeded[-3:] == (240.0, 500.0, 180.0)
    assert seeded[0] == pytest.approx(max(prior / 7, 920 / 3))
    assert seed_loads(tuple([100.0] * 40), prior_weekly=prior) == tuple([100.0] * 40)
    assert prior_weekly_au(experience_years=0.5, availability_min=WEEK) < prior


@pytest.mark.parametrize(
    ("days_ago", "limited_days"),
    [
        ([], 7),  # nothing logged yet: the run starts today, the whole week is capped
        ([1900, 1899], 7),  # back after five years: the run starts today
        ([10, 9, 8, 5, 2, 1], 4),  # a run that began 10 days ago: capped until day 14
        ([40, 30, 20, 10, 1], 0),  # training without a break for 40 days: no cap
    ],
)
def test_break_return_caps_hard_sessions_at_the_start_of_a_run(
    days_ago: list[int], limited_days: int
) -> None:
    # given the days with a logged session
    days = [NEW_DAY - dt.timedelta(days=k) for k in days_ago]
    # when the return-after-a-break limits are read for the planned week
    limits = break_return_limits(days, today=NEW_DAY)
    # then the first days of the current run allow no hard session, and nothing else is capped
    assert len(limits) == limited_days
    for when, (limit,) in limits.items():
        assert NEW_DAY <= when < NEW_DAY + dt.timedelta(days=7)
        assert limit.code == "break_return" and limit.max_intensity == "moderate"
        assert not limit.binds_locks
