"""Strong/Hevy exercise names map onto the catalogue (issue 12 build 7): one lift, not two."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from engine.coach.exercises import EXERCISES, canonical, unmapped
from engine.coach.progression import exercise_levels

SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "activity-samples"


@pytest.mark.parametrize(
    ("logged", "expected"),
    [
        ("Deadlift (Barbell)", ("deadlift", 0)),
        ("deadlift", ("deadlift", 0)),
        ("Front Squat (Barbell)", ("goblet squat", 1)),
        ("Goblet Squat", ("goblet squat", 0)),
        ("Push Up", ("push-up", 0)),
        ("Lunge (Barbell)", ("lunge", 0)),
        ("Seated Calf Raise (Plate Loaded)", ("calf raise", 0)),
        ("Step Up (Dumbbell)", ("step-up", 0)),
        ("Bench Press (Barbell)", ("bench press (barbell)", 0)),  # not a catalogue lift
    ],
)
def test_logged_names_map_onto_the_catalogue(logged: str, expected: tuple[str, int]) -> None:
    assert canonical(logged) == expected


def test_strong_deadlift_and_the_catalogue_deadlift_are_one_lift() -> None:
    # given a deadlift logged by Strong, then the same lift logged by name in Cairn
    sets = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-05-01"] * 3 + ["2025-05-08"] * 3),
            "session_external_id": ["strong:1"] * 3 + ["cairn:2"] * 3,
            "exercise": ["Deadlift (Barbell)"] * 3 + ["deadlift"] * 3,
            "set_number": [1, 2, 3] * 2,
            "reps": [5.0] * 6,
            "load_kg": [80.0] * 3 + [82.5] * 3,
        }
    )
    # when the levels are read
    levels = exercise_levels(sets, before=dt.date(2025, 6, 1))
    # then one deadlift holds both sessions, at the latest load
    assert list(levels) == ["deadlift"]
    assert levels["deadlift"].sessions == 2 and levels["deadlift"].load_kg == 82.5


def test_the_real_strong_and_hevy_files_list_their_unmapped_names_once() -> None:
    from pipelines.importers.detect import read_activity_file

    folder = SAMPLES / "strength"
    if not folder.exists():
        pytest.skip(f"shared data not found: {folder}")
    names: list[str] = []
    for path in sorted(folder.glob("*.csv")):
        batch = read_activity_file(path, athlete_id=1, today=dt.date(2026, 1, 1))
        names += batch.sets["exercise"].astype(str).tolist()
    listed = unmapped(names)
    # then the catalogue lifts are recognised and each other name is listed exactly once
    mapped = {canonical(n)[0] for n in names} & set(EXERCISES)
    assert {"deadlift", "goblet squat", "lunge", "plank"} <= mapped
    assert "Deadlift (Barbell)" not in listed and "Bench Press (Barbell)" in listed
    assert len(listed) == len(set(listed)) and set(listed) < set(names)
