"""Strength CSV importer: Strong comma, Strong semicolon and Hevy exports."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from pipelines.importers import ImportFileError, read_strength_csv

STRONG_HEADER = (
    "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,"
    "Workout Notes,RPE"
)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_read_strength_csv_strong_counts_match_provenance(
    activity_samples: Path, today: dt.date
) -> None:
    # given the real Strong comma export (2078 set rows, 129 workouts, planks included)
    batch = read_strength_csv(
        activity_samples / "strength" / "strong.csv", athlete_id=4, today=today
    )
    # then every row is a set and every (Date, Workout Name) a strength session
    assert len(batch.sets) == 2078
    assert len(batch.sessions) == 129
    assert batch.rejections == []
    assert set(batch.sessions["kind"]) == {"strength"}
    assert batch.sessions["rpe"].isna().all()  # the RPE column is always empty
    first = batch.sessions.iloc[0]
    assert first["duration_min"] == 138  # "2h 18m"
    assert first["start_time"] == dt.datetime(2021, 2, 10, 16, 46, 13)


def test_read_strength_csv_strong_planks_and_bodyweight(
    activity_samples: Path, today: dt.date
) -> None:
    # given Strong's planks (0 reps, Seconds 90) and 0-kg pull-ups
    sets = read_strength_csv(
        activity_samples / "strength" / "strong.csv", athlete_id=4, today=today
    ).sets
    # then a plank has no reps and no load; bodyweight sets have NaN load
    planks = sets[sets["exercise"] == "Plank"]
    assert len(planks) == 6 and planks["reps"].isna().all() and planks["load_kg"].isna().all()
    assert sets.loc[sets["exercise"] == "Wide Pull Up", "load_kg"].isna().all()
    assert sets["session_external_id"].str.startswith("strong:").all()


def test_read_strength_csv_hevy_counts_match_provenance(
    activity_samples: Path, today: dt.date
) -> None:
    # given the real Hevy export (330 rows, 17 workouts, newest first)
    batch = read_strength_csv(
        activity_samples / "strength" / "workout_data.csv", athlete_id=4, today=today
    )
    # then counts match and duration is end - start
    assert len(batch.sets) == 330
    assert len(batch.sessions) == 17
    assert set(batch.sessions["source"]) == {"hevy"}
    newest = batch.sessions.iloc[0]
    assert newest["start_time"] == dt.datetime(2025, 6, 30, 19, 56)
    assert newest["duration_min"] == 62
    assert batch.sets["load_kg"].isna().sum() == 4  # bodyweight sets
    assert batch.sets["set_number"].min() == 1


def test_read_strength_csv_strong_semicolon_sample(samples: Path, today: dt.date) -> None:
    # given the project's Strong semicolon sample (2 workouts, 10 sets each)
    batch = read_strength_csv(samples / "strong-semicolon.csv", athlete_id=4, today=today)
    # then sessions, types, durations and mean set RPE come out
    assert len(batch.sessions) == 2 and len(batch.sets) == 20
    legs, upper = batch.sessions.iloc[0], batch.sessions.iloc[1]
    assert (legs["type"], upper["type"]) == ("strength_lower", "strength_full")
    assert (legs["duration_min"], upper["duration_min"]) == (60, 45)
    assert legs["rpe"] == pytest.approx((7 + 7.5 + 8 + 7 + 8 + 8.5) / 6)


def test_read_strength_csv_external_id_is_stable(samples: Path, today: dt.date) -> None:
    # given the same file imported twice
    first = read_strength_csv(samples / "strong-semicolon.csv", athlete_id=4, today=today)
    second = read_strength_csv(samples / "strong-semicolon.csv", athlete_id=4, today=today)
    # then the ids are equal (idempotent re-import is possible)
    assert list(first.sessions["external_id"]) == list(second.sessions["external_id"])


def test_read_strength_csv_rejects_rpe_15_naming_row_and_column(
    tmp_path: Path, today: dt.date
) -> None:
    # given a Strong export whose second set has RPE 15
    path = _write(
        tmp_path,
        "strong.csv",
        f"{STRONG_HEADER}\n"
        "2021-02-10 16:46:13,Legs,1h,Squat (Barbell),1,60,5,0,0,,,8\n"
        "2021-02-10 16:46:13,Legs,1h,Squat (Barbell),2,60,5,0,0,,,15\n",
    )
    batch = read_strength_csv(path, athlete_id=1, today=today)
    # then that set is rejected with file, row, column and rule; the other is kept
    assert len(batch.sets) == 1
    assert batch.rejections[0].message() == (
        "strong.csv row 3, field RPE: 15 (rpe must be between 0 and 10)"
    )


def test_read_strength_csv_rejects_unparseable_duration(tmp_path: Path, today: dt.date) -> None:
    # given a workout whose Duration is not like "1h 5m"
    path = _write(
        tmp_path,
        "strong.csv",
        f"{STRONG_HEADER}\n2021-02-10 16:46:13,Legs,long,Squat (Barbell),1,60,5,0,0,,,\n",
    )
    batch = read_strength_csv(path, athlete_id=1, today=today)
    # then the whole workout (and its sets) is rejected, naming the Duration column
    assert batch.sessions.empty and batch.sets.empty
    assert "workout 'Legs' (rows 2-2), field Duration: long" in batch.rejections[0].message()


def test_read_strength_csv_rejects_hevy_end_before_start(tmp_path: Path, today: dt.date) -> None:
    # given a Hevy workout that ends before it starts
    path = _write(
        tmp_path,
        "hevy.csv",
        '"title","start_time","end_time","description","exercise_title","superset_id",'
        '"exercise_notes","set_index","set_type","weight_kg","reps","distance_km",'
        '"duration_seconds","rpe"\n'
        '"Legs","30 Jun 2025, 19:56","30 Jun 2025, 18:56","","Squat",,"",0,"normal",80,5,,,\n',
    )
    batch = read_strength_csv(path, athlete_id=1, today=today)
    # then the negative duration is rejected
    assert batch.sessions.empty
    assert "field end_time: -60 (duration_min must be more than 0" in batch.rejections[0].message()


def test_read_strength_csv_rejects_bad_workout_date(tmp_path: Path, today: dt.date) -> None:
    # given a Strong row with a day-first date
    path = _write(
        tmp_path, "strong.csv", f"{STRONG_HEADER}\n10/02/2021,Legs,1h,Squat,1,60,5,0,0,,,\n"
    )
    batch = read_strength_csv(path, athlete_id=1, today=today)
    # then the rule shows the expected form
    assert "Date must be a date and time like 2021-02-10 16:46:13" in batch.rejections[0].rule


def test_read_strength_csv_rejects_unknown_header(tmp_path: Path, today: dt.date) -> None:
    # given a CSV that is no lift-log export
    path = _write(tmp_path, "lifts.csv", "day,lift,kilos\n2024-01-01,squat,100\n")
    # then the whole file is refused
    with pytest.raises(ImportFileError, match=r"lifts\.csv: unknown header for a lift log"):
        read_strength_csv(path, athlete_id=1, today=today)


def test_read_strength_csv_non_numeric_weight_is_rejected(tmp_path: Path, today: dt.date) -> None:
    # given a set whose weight is text
    path = _write(
        tmp_path,
        "strong.csv",
        f"{STRONG_HEADER}\n2021-02-10 16:46:13,Legs,1h,Squat,1,heavy,5,0,0,,,\n",
    )
    batch = read_strength_csv(path, athlete_id=1, today=today)
    # then the set is rejected as not a number, naming the Weight column
    assert batch.rejections[0].field == "Weight"
    assert batch.rejections[0].rule == "load_kg must be a number"
    assert math.isnan(batch.sessions.iloc[0]["rpe"])
