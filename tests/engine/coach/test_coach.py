"""The coach's daily path on small logged histories (rule-based predictions: no models)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from engine.coach import coach
from engine.coach.history import AthleteHistory
from engine.coach.scoring import ModelSet
from engine.optimizer.catalogue import make_candidate
from engine.optimizer.constraints import violations
from tests.factories import make_training_log

NO_MODELS = ModelSet(None, None, {}, degraded_reason="no models in this test")
TODAY = dt.date(2025, 3, 5)  # 63 days of logs from 2025-01-01


def history(days: int = 63, *, wellness_today: dict | None = None) -> AthleteHistory:
    sessions, wellness, injuries = make_training_log(days=days)
    if wellness_today is not None:
        wellness = pd.concat(
            [
                wellness,
                pd.DataFrame([{"athlete_id": 1, "date": pd.Timestamp(TODAY), **wellness_today}]),
            ],
            ignore_index=True,
        )
    profile = pd.DataFrame(
        {
            "athlete_id": [1],
            "birth_year": [1990],
            "sex": ["female"],
            "experience_years": [4.0],
            "max_hr": [188.0],
            "resting_hr": [52.0],
        }
    )
    return AthleteHistory(1, [90] * 5 + [180, 180], sessions, wellness, injuries, athlete=profile)


@pytest.fixture(scope="module")
def morning() -> coach.Morning:
    return coach.prepare_morning(history(), today=TODAY)


def test_prepare_morning_places_the_athlete_in_a_block(morning: coach.Morning) -> None:
    # given 63 days of logs from 2025-01-01 (a Wednesday; the first session on Thursday the
    # 2nd, which anchors the current run of training): blocks start Monday 2024-12-30
    assert morning.anchor == dt.date(2025, 1, 2)
    assert morning.block.index == 2 and morning.block.week_in_block == 2
    assert morning.reassessment is not None
    assert morning.volume.base_au > 0
    assert morning.heart.max_hr == 188.0 and not morning.novice


def test_recommendation_is_day_0_of_the_plan_with_a_prescription(morning: coach.Morning) -> None:
    rules = coach.default_rules()
    rec = coach.recommend_today(morning, NO_MODELS, rules=rules, locks={})
    plan = coach.plan_days(morning, NO_MODELS, rules=rules, locks={})
    assert rec.session == plan.to_dict()["days"][0]["session"]
    assert rec.prescription is not None and rec.block == morning.block.to_dict()
    assert 2 <= len(rec.reasons) <= 5  # the optimizer's 2-4 plus the degraded note
    assert violations(plan.plan, context=plan.inputs.context, rules=plan.inputs.rules) == []
    body = plan.to_dict()
    assert [d["date"] for d in body["days"]] == [
        (TODAY + dt.timedelta(days=k)).isoformat() for k in range(7)
    ]
    assert body["block"]["phase"] == "build" and body["reassessment"]["verdict"]


def test_a_lock_today_is_the_recommendation(morning: coach.Morning) -> None:
    lock = make_candidate("hills", 50)
    rec = coach.recommend_today(
        morning, NO_MODELS, rules=coach.default_rules(), locks={TODAY: lock}
    )
    assert rec.session["type"] == "hills" and rec.session["duration_min"] == 50
    assert 0 <= rec.predicted["readiness"] <= 100  # the lock was scored too


def test_a_bad_night_removes_todays_hard_session_and_says_why() -> None:
    # given a 4-hour night this morning
    bad = coach.prepare_morning(
        history(wellness_today={"sleep_h": 4.0, "soreness": 2, "readiness": 6}), today=TODAY
    )
    plan = coach.plan_days(bad, NO_MODELS, rules=coach.default_rules(), locks={})
    # then today is not hard, and the note cites the night
    assert plan.plan.days[0].candidate.intensity != "hard"
    assert any("4.0 h" in n for n in plan.to_dict()["notes"])
    assert [t.code for t in plan.inputs.triggers] == ["bad_night"]


def test_changes_since_yesterday_cite_a_missed_session(morning: coach.Morning) -> None:
    rules = coach.default_rules()
    yesterday = coach.plan_days(
        coach.prepare_morning(history(), today=TODAY - dt.timedelta(days=1)),
        NO_MODELS,
        rules=rules,
        locks={},
    )
    planned = make_candidate("long_trail", 150)  # yesterday: 45 min of strength were logged
    today = coach.plan_days(morning, NO_MODELS, rules=rules, locks={}, planned_yesterday=planned)
    assert "missed_session" in [t.code for t in today.inputs.triggers]
    for change in coach.changes_since(today, yesterday):
        assert change["before"] != change["after"] and change["why"]


def test_recommend_session_keeps_the_contract_fields() -> None:
    morning = coach.prepare_morning(history(), today=TODAY)
    rec = coach.recommend_today(morning, NO_MODELS, rules=coach.default_rules(), locks={}).to_dict()
    assert {"athlete_id", "date", "session", "predicted", "reasons", "model_versions"} <= set(rec)
    assert set(rec["session"]) == {"kind", "type", "intensity", "duration_min", "target_rpe"}
    assert rec["degraded"] is True and rec["prescription"]["main_set"]


def test_a_new_athlete_without_logs_gets_a_plan() -> None:
    logs = history(days=7)
    fresh = AthleteHistory(
        1, [60] * 7, logs.sessions.iloc[:0], logs.wellness.iloc[:0], logs.injuries, created=TODAY
    )
    morning = coach.prepare_morning(fresh, today=TODAY)
    plan = coach.plan_days(morning, NO_MODELS, rules=coach.default_rules(), locks={})
    assert morning.block.index == 0 and morning.reassessment is None
    assert len(plan.plan.days) == 7


@pytest.mark.parametrize(
    ("base", "floor", "comfortable"),
    [
        (30.0, 35.0, 30.0),  # a low personal scale never lowers the configured floor (issue 12)
        (70.0, 40.0, 60.0),  # a high one raises it to 30 points under the athlete's mean
        (15.0, 35.0, 15.0),
        (float("nan"), 35.0, 60.0),
    ],
)
def test_personal_rules_follow_the_athletes_own_readiness(
    base: float, floor: float, comfortable: float
) -> None:
    rules = coach.personal_rules(coach.default_rules(), readiness_base=base)
    assert rules.readiness_floor == floor
    assert rules.weights.readiness_comfortable == comfortable
