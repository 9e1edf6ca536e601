"""``session_table`` and ``exercise_levels`` on arrays give exactly what the pandas versions
they replaced gave (kept here as the reference): on a simulated cohort's sets, on the real
Strong and Hevy exports, and on awkward logs (missing reps, loads, set numbers, repeats)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.coach.exercises import canonical
from engine.coach.progression import ExerciseLevel, exercise_levels, session_table
from pipelines.simulator.cohort import simulate_cohort

SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "activity-samples"


def reference_table(sets: pd.DataFrame) -> pd.DataFrame:
    """The pandas ``session_table`` (before the array version)."""
    return (
        sets.assign(exercise=sets["exercise"].astype(str), date=pd.to_datetime(sets["date"]))
        .groupby(["exercise", "date", "session_external_id"], sort=True)
        .agg(sets=("set_number", "nunique"), reps=("reps", "median"), load=("load_kg", "max"))
        .reset_index()
    )


def reference_levels(table: pd.DataFrame, *, before: dt.date) -> dict[str, ExerciseLevel]:
    """The pandas ``exercise_levels`` (before the array version)."""
    per_session = table[table["date"] < pd.Timestamp(before)]
    names = {raw: canonical(str(raw)) for raw in per_session["exercise"].unique()}
    per_session = per_session.assign(
        base=per_session["exercise"].map(lambda raw: names[raw][0]),
        variation=per_session["exercise"].map(lambda raw: names[raw][1]),
    ).sort_values(["base", "date"], kind="stable")
    out: dict[str, ExerciseLevel] = {}
    for name, rows in per_session.groupby("base", sort=False):
        last = rows.iloc[-1]
        out[str(name)] = ExerciseLevel(
            sets=int(last["sets"]),
            reps=float(rows["reps"].tail(2).median()),
            load_kg=None if pd.isna(last["load"]) else float(last["load"]),
            variation=int(last["variation"]),
            last_date=pd.Timestamp(last["date"]).date(),
            sessions=len(rows),
        )
    return out


def _same_levels(got: dict[str, ExerciseLevel], want: dict[str, ExerciseLevel]) -> None:
    assert list(got) == list(want)
    for name, level in want.items():
        mine = got[name]
        assert (mine.sets, mine.load_kg, mine.variation, mine.last_date, mine.sessions) == (
            level.sets,
            level.load_kg,
            level.variation,
            level.last_date,
            level.sessions,
        ), name
        assert mine.reps == level.reps or (math.isnan(mine.reps) and math.isnan(level.reps))


def _check(sets: pd.DataFrame, days: list[dt.date]) -> None:
    table = session_table(sets)
    want = reference_table(sets)
    assert len(table) == len(want) > 0
    pd.testing.assert_frame_equal(
        table.reset_index(drop=True),
        want.astype(table.dtypes.to_dict()).reset_index(drop=True),
        check_exact=True,
    )
    for day in days:
        _same_levels(
            exercise_levels(None, before=day, table=table), reference_levels(want, before=day)
        )


def test_a_simulated_cohorts_sets() -> None:
    cohort = simulate_cohort(n_athletes=12, n_days=200, seed=11, start=dt.date(2025, 1, 1))
    dates = cohort.sessions.set_index("external_id")["date"]
    for _, sets in cohort.sets.groupby("athlete_id"):
        dated = sets.assign(date=sets["session_external_id"].map(dates))
        _check(dated, [dt.date(2025, 1, 20), dt.date(2025, 4, 1), dt.date(2025, 8, 1)])


def test_the_real_strong_and_hevy_exports() -> None:
    from pipelines.importers.detect import read_activity_file

    folder = SAMPLES / "strength"
    if not folder.exists():
        pytest.skip(f"shared data not found: {folder}")
    for path in sorted(folder.glob("*.csv")):
        batch = read_activity_file(path, athlete_id=1, today=dt.date(2026, 1, 1))
        dates = batch.sessions.set_index("external_id")["date"]
        sets = batch.sets.assign(date=batch.sets["session_external_id"].map(dates))
        first, last = pd.to_datetime(sets["date"]).min(), pd.to_datetime(sets["date"]).max()
        middle = first + (last - first) / 2
        _check(sets, [middle.date(), (last + pd.Timedelta(days=1)).date()])


def test_awkward_logs() -> None:
    rng = np.random.default_rng(3)
    n = 400
    sets = pd.DataFrame(
        {
            "date": pd.to_datetime("2025-03-01")
            + pd.to_timedelta(rng.integers(0, 40, n), unit="D"),
            "session_external_id": [f"s{k}" for k in rng.integers(0, 60, n)],
            "exercise": rng.choice(["Deadlift (Barbell)", "deadlift", "Push Up", "Curl"], n),
            "set_number": np.where(rng.random(n) < 0.1, np.nan, rng.integers(1, 5, n)),
            "reps": np.where(rng.random(n) < 0.2, np.nan, rng.integers(3, 12, n).astype(float)),
            "load_kg": np.where(rng.random(n) < 0.3, np.nan, rng.integers(0, 100, n) * 2.5),
        }
    )
    _check(sets, [dt.date(2025, 3, 5), dt.date(2025, 3, 20), dt.date(2025, 5, 1)])
