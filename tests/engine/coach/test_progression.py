"""Strength progression: plain tables of logged levels, gates and the next prescription."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from engine.coach.periodisation import block_on
from engine.coach.progression import (
    EXERCISES,
    ExerciseLevel,
    Gate,
    canonical,
    exercise_levels,
    prescribe_exercise,
    prescribe_strength,
    progression_due,
    readiness_gate,
    window_start,
)

ANCHOR = date(2025, 1, 6)
BUILD_1 = block_on(anchor=ANCHOR, today=date(2025, 1, 8))  # base block, week 1 (progression)
BUILD_2 = block_on(anchor=ANCHOR, today=date(2025, 1, 15))  # week 2 (no step)
DELOAD = block_on(anchor=ANCHOR, today=date(2025, 1, 29))
DESCENT = block_on(anchor=ANCHOR, today=date(2025, 3, 31))  # descent block, week 1
GO = Gate("progress")
GOOD = {"readiness_self": 7, "sleep_h": 7.5, "soreness": 2, "soreness_avg": 2}


def level(sets: int = 3, reps: float = 8, load: float | None = 20.0, variation: int = 0):
    return ExerciseLevel(sets, reps, load, variation, date(2025, 1, 1), 4)


@pytest.mark.parametrize(
    ("exercise", "logged", "sets", "reps", "load", "name", "note"),
    [
        ("goblet squat", level(3, 9, 20.0), 3, 10, 20.0, "goblet squat", "+1 rep"),
        ("goblet squat", level(3, 12, 20.0), 4, 12, 20.0, "goblet squat", "+1 set"),
        ("goblet squat", level(4, 12, 20.0), 3, 8, 22.5, "goblet squat", "+load 20 -> 22.5 kg"),
        ("deadlift", level(4, 8, 100.0), 3, 5, 105.0, "deadlift", "+load 100 -> 105 kg"),
        ("goblet squat", level(4, 12, 40.0), 3, 8, 30.0, "front squat", "harder variation"),
        ("push-up", level(4, 15, None), 3, 8, None, "stability push-up", "harder variation"),
        ("push-up", level(4, 15, None, 2), 4, 15, None, "feet-elevated push-up", "held"),
    ],
)
def test_progression_moves_reps_then_sets_then_load_then_variation(
    exercise: str,
    logged: ExerciseLevel,
    sets: int,
    reps: int,
    load: float | None,
    name: str,
    note: str,
) -> None:
    # given a logged level, a progression week and a good morning
    spec = EXERCISES[exercise]
    # when prescribing
    p = prescribe_exercise(spec, logged, gate=GO, block=BUILD_1, due=True)
    # then one lever moved, in the seed's order
    assert (p.sets, p.reps, p.load_kg, p.exercise) == (sets, reps, load, name)
    assert note in p.note


def test_holds_progress_by_five_seconds() -> None:
    p = prescribe_exercise(EXERCISES["plank"], level(3, 30, None), gate=GO, block=BUILD_1, due=True)
    assert (p.reps, p.hold_s, p.change) == (None, 35, "progress")


@pytest.mark.parametrize(
    ("gate", "due", "sets", "reps", "load", "change"),
    [
        (GO, False, 3, 9, 20.0, "hold"),  # not a progression week: repeat
        (Gate("hold", ("slept 6.5 h",)), True, 3, 9, 20.0, "hold"),
        (Gate("back_off", ("readiness 3/10",)), True, 2, 9, 20.0 * 0.9, "back_off"),
    ],
)
def test_progression_holds_or_backs_off_when_the_morning_does_not_allow(
    gate: Gate, due: bool, sets: int, reps: int, load: float, change: str
) -> None:
    p = prescribe_exercise(
        EXERCISES["goblet squat"], level(3, 9, 20.0), gate=gate, block=BUILD_1, due=due
    )
    assert (p.sets, p.reps, p.change) == (sets, reps, change)
    assert p.load_kg == pytest.approx(2.5 * math.ceil(load / 2.5 - 1e-9))
    if change == "back_off":
        assert p.rir == 3 and "readiness 3/10" in p.note


def test_first_session_starts_at_the_bottom_with_reps_in_reserve() -> None:
    p = prescribe_exercise(EXERCISES["step-up"], None, gate=GO, block=BUILD_1, due=True)
    assert (p.sets, p.reps, p.load_kg, p.rir, p.change) == (3, 8, None, 3, "start")


@pytest.mark.parametrize(
    ("exercise", "block", "tempo"),
    [
        ("goblet squat", DESCENT, "4-0-1-0"),
        ("calf raise", DESCENT, "4-0-1-0"),
        ("goblet squat", BUILD_1, "2-0-1-0"),
        ("jump squat", DESCENT, "X-0-X-0"),
        ("plank", DESCENT, None),
    ],
)
def test_descent_blocks_lower_eccentric_lifts_slowly(exercise: str, block, tempo) -> None:  # noqa: ANN001
    p = prescribe_exercise(EXERCISES[exercise], level(), gate=GO, block=block, due=False)
    assert p.tempo == tempo
    if tempo == "4-0-1-0":
        assert "descents" in p.note


@pytest.mark.parametrize(
    ("signals", "deload", "status"),
    [
        ({**GOOD}, False, "progress"),
        ({**GOOD, "readiness_self": 5}, False, "hold"),
        ({**GOOD, "sleep_h": 6.5}, False, "hold"),
        ({**GOOD, "soreness": 4}, False, "back_off"),
        ({"readiness_self": 3, "sleep_h": 8.0}, False, "back_off"),
        ({"readiness_self": 7, "sleep_h": 5.5}, False, "back_off"),
        ({"readiness_self": 8, "sleep_h": 8.0}, True, "back_off"),
        ({}, False, "hold"),
        ({"readiness_self": math.nan, "sleep_h": math.nan}, False, "hold"),
    ],
)
def test_readiness_gate_table(signals: dict, deload: bool, status: str) -> None:
    assert readiness_gate(signals, deload=deload).status == status


def test_progression_weeks_are_weeks_one_and_three() -> None:
    weeks = {w: progression_due(block_on(anchor=ANCHOR, today=ANCHOR + timedelta(weeks=w - 1)))
             for w in (1, 2, 3, 4)}  # fmt: skip
    assert weeks == {1: True, 2: False, 3: True, 4: False}
    wednesday = date(2025, 1, 8)
    assert window_start(BUILD_1, wednesday) == ANCHOR
    assert window_start(BUILD_2, date(2025, 1, 15)) == date(2025, 1, 15)


def _sets(rows: list[tuple[str, str, str, int, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        columns=["date", "session_external_id", "exercise", "set_number", "reps", "load_kg"],
    ).assign(date=lambda f: pd.to_datetime(f["date"]))


def test_exercise_levels_read_the_latest_session_before_the_window() -> None:
    # given two goblet-squat sessions and a later front squat, plus one after the window
    sets = _sets(
        [
            ("2025-01-01", "a", "Goblet Squat", 1, 10, 20.0),
            ("2025-01-01", "a", "Goblet Squat", 2, 10, 20.0),
            ("2025-01-03", "b", "Goblet Squat", 1, 11, 22.5),
            ("2025-01-03", "b", "Goblet Squat", 2, 11, 22.5),
            ("2025-01-03", "b", "Goblet Squat", 3, 9, 22.5),
            ("2025-01-04", "c", "Plank", 1, np.nan, np.nan),
            ("2025-01-20", "d", "Goblet Squat", 1, 6, 40.0),
        ]
    )
    levels = exercise_levels(sets, before=date(2025, 1, 6))
    squat = levels["goblet squat"]
    assert (squat.sets, squat.load_kg, squat.last_date, squat.sessions) == (
        3,
        22.5,
        date(2025, 1, 3),
        2,
    )
    assert squat.reps == pytest.approx(10.5)  # median of the last two sessions' medians
    assert levels["plank"].load_kg is None and math.isnan(levels["plank"].reps)
    assert canonical("Front Squat") == ("goblet squat", 1)


def test_prescribe_strength_lists_the_session_exercises_with_logged_levels() -> None:
    sets = _sets([("2025-01-01", "a", "Goblet Squat", k, 9, 20.0) for k in (1, 2, 3)])
    levels = exercise_levels(sets, before=window_start(BUILD_1, date(2025, 1, 8)))
    good = {"readiness_self": 7, "sleep_h": 8.0, "soreness": 2, "soreness_avg": 2}
    out = prescribe_strength("strength_lower", levels=levels, block=BUILD_1, signals=good)
    names = [e.exercise for e in out]
    assert names[0] == "goblet squat" and len(names) == 5
    assert out[0].reps == 10 and out[0].change == "progress"
    assert all(e.change == "start" for e in out[1:])
    assert prescribe_strength("tempo", levels=levels, block=BUILD_1, signals=good) == []
