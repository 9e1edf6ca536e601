"""Prescription and adaptation: plain tables of sessions, check-ins and the expected output."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from engine.coach.adaptation import Trigger, adapt_today, detect_triggers, plan_changes
from engine.coach.periodisation import block_on
from engine.coach.prescription import HeartProfile, heart_rate_zone, prescribe_session
from engine.coach.progression import ExercisePrescription
from engine.optimizer.catalogue import enumerate_candidates, make_candidate
from engine.optimizer.choose import Rules

BLOCK = block_on(anchor=date(2025, 1, 6), today=date(2025, 1, 8))
DELOAD = block_on(anchor=date(2025, 1, 6), today=date(2025, 1, 29))
KNOWN = HeartProfile(max_hr=190.0, resting_hr=50.0)


@pytest.mark.parametrize(
    ("rpe", "heart", "zone", "bpm"),
    [
        (2.5, KNOWN, "Z1", [120, 134]),
        (4.0, KNOWN, "Z2", [134, 148]),
        (5.0, KNOWN, "Z3", [148, 162]),
        (7.0, KNOWN, "Z4", [162, 176]),
        (8.0, KNOWN, "Z5", [176, 190]),
        (4.0, HeartProfile(age_years=40.0), "Z2", [132, 144]),  # 208 - 0.7 x 40, rest 60
    ],
)
def test_heart_rate_zone_uses_the_heart_rate_reserve(
    rpe: float, heart: HeartProfile, zone: str, bpm: list[int]
) -> None:
    out = heart_rate_zone(rpe=rpe, heart=heart)
    assert out is not None and out["zone"] == zone and out["bpm"] == bpm


def test_heart_rate_zone_is_unknown_without_max_hr_or_age() -> None:
    assert heart_rate_zone(rpe=4.0, heart=HeartProfile()) is None


def test_long_run_prescription_has_terrain_climb_fuelling_and_cues() -> None:
    # given a 125-minute long trail run after a short night
    run = make_candidate("long_trail", 125)
    out = prescribe_session(
        run, block=BLOCK, heart=KNOWN, signals={"sleep_h": 6.2}, reasons=["a", "b"]
    )
    # then every part of the session is there
    main = out["main_set"]
    assert main["duration_min"] == 125 and main["target_rpe"] == 5.0
    assert main["hr_zone"]["zone"] == "Z3" and main["climb_m"] == round(run.elevation_gain_m)
    assert main["terrain"] == "hilly trail"
    assert any("high knees" in w for w in out["warm_up"])
    assert out["cool_down"] and len(out["mobility"]) == 4
    cues = " ".join(out["cues"])
    for word in ("cadence", "carbohydrate 1-3 h", "per hour", "electrolytes", "protein", "6.2 h"):
        assert word in cues
    assert out["reasons"] == ["a", "b"]


def test_hard_run_warm_up_has_strides_and_no_electrolytes() -> None:
    out = prescribe_session(make_candidate("tempo", 40), block=BLOCK, heart=KNOWN, signals={})
    assert any("strides" in w for w in out["warm_up"])
    assert not any("electrolytes" in c for c in out["cues"])
    assert "RPE 7" in out["main_set"]["structure"]


def test_strength_prescription_lists_the_exercises() -> None:
    exercise = ExercisePrescription(
        "goblet squat", 3, 10, None, 20.0, 2, "2-0-1-0", "progress", "+1 rep"
    )
    out = prescribe_session(
        make_candidate("strength_lower", 45),
        block=BLOCK,
        heart=KNOWN,
        signals={},
        exercises=[exercise],
    )
    assert out["main_set"]["exercises"][0]["exercise"] == "goblet squat"
    assert out["main_set"]["exercises"][0]["load_kg"] == 20.0
    assert any("protein" in c for c in out["cues"])
    assert "cadence" not in " ".join(out["cues"])


def test_rest_day_in_a_deload_week_says_keep_moving() -> None:
    out = prescribe_session(make_candidate("rest", 0), block=DELOAD, heart=KNOWN, signals={})
    assert out["warm_up"] == [] and out["main_set"]["duration_min"] == 0.0
    assert any("deload" in c for c in out["cues"])


# --- adaptation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signals", "codes"),
    [
        ({"sleep_h": 7.5, "sleep_h_avg": 7.4, "soreness": 2, "soreness_avg": 2}, []),
        ({"sleep_h": 5.0, "sleep_h_avg": 7.4}, ["bad_night"]),
        ({"sleep_h": 6.0, "sleep_h_avg": 8.2}, ["bad_night"]),
        ({"sleep_h": 6.5, "sleep_h_avg": 8.0}, []),
        ({"soreness": 5, "soreness_avg": 4.0}, ["soreness"]),
        ({"soreness": 4, "soreness_avg": 2.0}, ["soreness"]),
        ({"soreness": 4, "soreness_avg": 3.0}, []),
        ({"sleep_h": math.nan, "soreness": math.nan}, []),
    ],
)
def test_detect_triggers_table(signals: dict, codes: list[str]) -> None:
    assert [t.code for t in detect_triggers(signals)] == codes


def test_detect_triggers_reports_a_missed_session_and_flags() -> None:
    planned = make_candidate("tempo", 55)
    got = detect_triggers(
        {}, flags={"pain": True, "illness": False}, planned_yesterday=planned, done_yesterday_min=10
    )
    assert [t.code for t in got] == ["pain", "missed_session"]
    assert "tempo 55 min" in got[1].detail
    done = detect_triggers({}, planned_yesterday=planned, done_yesterday_min=50)
    assert done == []
    rest = detect_triggers({}, planned_yesterday=make_candidate("rest", 0))
    assert rest == []


def test_adapt_today_drops_hard_sessions_and_lightens_the_week_after_a_bad_night() -> None:
    # given a bad night
    triggers = [Trigger("bad_night", "slept 4.5 h against your 7.4 h average")]
    candidates = enumerate_candidates()
    # when adapting today's inputs
    kept, rules, notes = adapt_today(triggers, candidates=candidates, rules=Rules())
    # then no hard session today, a 10% lighter target, and a note citing the night
    assert kept and all(c.intensity != "hard" for c in kept)
    assert rules.weights.overload == pytest.approx(Rules().weights.overload - 0.10)
    assert "4.5 h" in notes[0]
    # and a missed session alone changes nothing here
    same = adapt_today([Trigger("missed_session", "x")], candidates=candidates, rules=Rules())
    assert same == (candidates, Rules(), [])


def test_plan_changes_lists_changed_days_with_why() -> None:
    today = date(2025, 3, 5)
    tempo, easy = make_candidate("tempo", 55), make_candidate("easy_trail", 40)
    before = {today: tempo, today + timedelta(days=1): easy}
    after = {today: easy, today + timedelta(days=1): easy, today + timedelta(days=2): tempo}
    trigger = Trigger("soreness", "soreness 5/5 against your usual 2.1")
    changes = plan_changes(before, after, triggers=[trigger])
    assert changes == [
        {
            "date": today.isoformat(),
            "before": {"type": "tempo", "duration_min": 55.0, "intensity": "hard"},
            "after": {"type": "easy_trail", "duration_min": 40.0, "intensity": "easy"},
            "why": ["soreness 5/5 against your usual 2.1"],
        }
    ]
    locked = plan_changes(before, after, triggers=[], locked={today: True})
    assert locked[0]["why"] == ["locked day (coach override or race)"]
