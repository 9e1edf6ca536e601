"""The feature catalogue: hand-computed values, vectorised vs reference loops, no leakage,
per-athlete independence and the incremental path."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from pipelines.features import (
    FEATURE_COLUMNS,
    LOOKBACK_DAYS,
    apply_candidate_sessions,
    build_daily_features,
    candidate_matrix,
    extend_daily_features,
)
from pipelines.loads import HARD_RPE
from pipelines.simulator.cohort import simulate_cohort
from tests.factories import make_injuries, make_sessions

START = dt.date(2025, 1, 6)
NO_CHECKINS = pd.DataFrame({"athlete_id": [], "date": []})


@pytest.fixture(scope="module")
def cohort():  # noqa: ANN201
    return simulate_cohort(n_athletes=6, n_days=150, seed=11, start=START)


@pytest.fixture(scope="module")
def table(cohort) -> pd.DataFrame:  # noqa: ANN001
    return _build(cohort)


def _build(cohort, **kwargs) -> pd.DataFrame:  # noqa: ANN001, ANN003
    return build_daily_features(
        kwargs.pop("sessions", cohort.sessions),
        kwargs.pop("wellness", cohort.wellness),
        kwargs.pop("injuries", cohort.injuries),
        athletes=cohort.athletes,
        sets=cohort.sets,
        **kwargs,
    )


def _assert_same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        left[list(FEATURE_COLUMNS)].reset_index(drop=True),
        right[list(FEATURE_COLUMNS)].reset_index(drop=True),
        check_exact=False,
        rtol=1e-9,
        atol=1e-9,
    )


def test_trimp_gad_and_tonnage_by_hand() -> None:
    # Given a woman (max HR 190, resting 50) who runs 60 min at 155 bpm, 10 km with 300 m climb,
    # and lifts 3 x 5 x 80 kg plus a bodyweight set the next day
    athletes = pd.DataFrame(
        {"athlete_id": [1], "sex": ["female"], "max_hr": [190.0], "resting_hr": [50.0]}
    )
    sessions = make_sessions(
        [
            {
                "date": "2025-03-01",
                "duration_min": 60,
                "avg_hr": 155,
                "distance_km": 10,
                "elevation_gain_m": 300,
            },
            {
                "date": "2025-03-02",
                "kind": "strength",
                "type": "strength_full",
                "duration_min": 45,
                "rpe": 6,
            },
        ]
    )
    sets = pd.DataFrame(
        {
            "athlete_id": 1,
            "session_external_id": "t1",
            "exercise": "squat",
            "set_number": [1, 2, 3, 4],
            "reps": [5, 5, 5, 20],
            "load_kg": [80, 80, 80, np.nan],
        }
    )
    frame = build_daily_features(
        sessions,
        NO_CHECKINS,
        make_injuries([]),
        athletes=athletes,
        sets=sets,
    )
    hrr = (155 - 50) / (190 - 50)
    assert frame.loc[0, "trimp"] == pytest.approx(60 * hrr * 0.86 * np.exp(1.67 * hrr))
    assert frame.loc[0, "gad_km"] == pytest.approx(13.0)
    assert frame.loc[1, "tonnage_kg"] == 1200.0 and frame.loc[1, "tonnage_7d"] == 1200.0
    assert frame.loc[1, "trimp"] == 0.0
    assert frame.loc[1, "sex_female"] == 1.0
    assert frame.loc[1, "train_streak"] == 2.0 and frame.loc[1, "days_since_rest"] == 1.0


def test_static_features_and_hr_defaults() -> None:
    athletes = pd.DataFrame(
        {"athlete_id": [1], "birth_year": [1990], "sex": ["M"], "experience_years": [4.0]}
    )
    frame = build_daily_features(
        make_sessions([{"date": "2025-03-01", "duration_min": 30}]),
        NO_CHECKINS,
        make_injuries([]),
        athletes=athletes,
    )
    row = frame.iloc[0]
    assert (row["age_years"], row["sex_female"], row["experience_years"]) == (35, 0, 4)
    assert row["hr_max_used"] == pytest.approx(208 - 0.7 * 35) and row["hr_rest_used"] == 60
    assert row["weekday"] == 5  # 2025-03-01 is a Saturday


def test_monotony_of_a_constant_load_is_the_cap() -> None:
    sessions = make_sessions(
        [{"date": f"2025-03-0{d}", "duration_min": 50, "rpe": 4} for d in range(1, 8)]
    )
    frame = build_daily_features(sessions, NO_CHECKINS, make_injuries([]))
    assert frame.loc[6, "monotony"] == 10.0 and frame.loc[6, "strain"] == 14000.0


def _reference_counters(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The plain loop the vectorised counters replace."""
    since_rest, since_hard = np.zeros(len(table)), np.zeros(len(table))
    trained = (table["load_total"] > 0).to_numpy()
    hard = (table["rpe_max"].fillna(0) >= HARD_RPE).to_numpy()
    for idx in table.groupby("athlete_id", sort=False).indices.values():
        run_rest, run_hard = 0.0, 28.0
        for i in idx:
            since_rest[i], since_hard[i] = run_rest, run_hard
            run_rest = run_rest + 1 if trained[i] else 0.0
            run_hard = 1.0 if hard[i] else min(run_hard + 1, 28.0)
    return since_rest, since_hard


def test_day_counters_match_the_reference_loop(table: pd.DataFrame) -> None:
    since_rest, since_hard = _reference_counters(table)
    np.testing.assert_array_equal(table["days_since_rest"], since_rest)
    np.testing.assert_array_equal(table["days_since_hard"], since_hard)


def test_injury_columns_match_the_reference(cohort, table: pd.DataFrame) -> None:  # noqa: ANN001
    # Given open-ended, overlapping and out-of-window injuries on top of the simulated ones
    extra = pd.DataFrame(
        {
            "athlete_id": [1, 1, 2, 3],
            "body_part": "knee",
            "severity": "minor",
            "start_date": pd.to_datetime(["2024-12-01", "2025-02-01", "2025-05-30", "2025-03-01"]),
            "end_date": pd.to_datetime(["2025-01-10", "2025-02-20", pd.NaT, pd.NaT]),
        }
    )
    injuries = pd.concat([cohort.injuries, extra], ignore_index=True)
    built = _build(cohort, injuries=injuries)
    for aid, rows in built.groupby("athlete_id"):
        own = injuries[injuries["athlete_id"] == aid]
        days = rows["date"].to_numpy()[:, None]
        starts = own["start_date"].to_numpy()[None, :]
        ends = own["end_date"].fillna(pd.Timestamp.max.normalize()).to_numpy()[None, :]
        delta = (starts - days) / np.timedelta64(1, "D")
        np.testing.assert_array_equal(rows["injury_7d"], ((delta >= 1) & (delta <= 7)).any(1))
        np.testing.assert_array_equal(rows["injured"], ((starts <= days) & (ends >= days)).any(1))
        since = np.minimum(np.where(delta <= 0, -delta, np.inf).min(1, initial=np.inf), 365)
        np.testing.assert_array_equal(rows["days_since_injury"], since)


def test_features_of_day_t_never_read_day_t_plus_one(cohort, table: pd.DataFrame) -> None:  # noqa: ANN001
    # Given every log after day t replaced by something very different
    t = pd.Timestamp(START) + pd.Timedelta(days=80)
    sessions, wellness, injuries = cohort.sessions, cohort.wellness, cohort.injuries
    late_s = sessions["date"] > t
    sessions = sessions.assign(
        duration_min=np.where(late_s, sessions["duration_min"] * 3, sessions["duration_min"]),
        rpe=np.where(late_s, 10.0, sessions["rpe"]),
        avg_hr=np.where(late_s, 190.0, sessions["avg_hr"]),
    )
    late_w = wellness["date"] > t
    wellness = wellness.assign(
        sleep_h=np.where(late_w, 3.0, wellness["sleep_h"]),
        readiness=np.where(late_w, 0.0, wellness["readiness"]),
        hrv_rmssd=np.where(late_w, 5.0, wellness["hrv_rmssd"]),
    )
    injuries = pd.concat(
        [
            injuries[injuries["start_date"] <= t],
            pd.DataFrame(
                {
                    "athlete_id": [1, 2],
                    "start_date": [t + pd.Timedelta(days=1)] * 2,
                    "end_date": pd.NaT,
                    "body_part": "calf",
                    "severity": "major",
                }
            ),
        ],
        ignore_index=True,
    )
    perturbed = _build(cohort, sessions=sessions, wellness=wellness, injuries=injuries)
    # Then every feature of every day up to t is unchanged, and later days did change
    keep = (table["date"] <= t).to_numpy()
    _assert_same(table[keep], perturbed[keep])
    assert not np.allclose(table.loc[~keep, "atl"], perturbed.loc[~keep, "atl"])


def test_one_athletes_rows_depend_only_on_that_athlete(cohort, table: pd.DataFrame) -> None:  # noqa: ANN001
    aid = 4
    alone = _build(
        cohort,
        sessions=cohort.sessions[cohort.sessions["athlete_id"] == aid],
        wellness=cohort.wellness[cohort.wellness["athlete_id"] == aid],
        injuries=cohort.injuries[cohort.injuries["athlete_id"] == aid],
    )
    _assert_same(table[table["athlete_id"] == aid], alone)


def test_extend_daily_features_equals_a_full_rebuild(cohort, table: pd.DataFrame) -> None:  # noqa: ANN001
    # Given the table up to day 100 and only the last LOOKBACK_DAYS of logs before new days
    cut = pd.Timestamp(START) + pd.Timedelta(days=99)
    until = pd.Timestamp(START) + pd.Timedelta(days=120)
    previous = table[table["date"] <= cut]
    first = cut - pd.Timedelta(days=LOOKBACK_DAYS)
    s, w = cohort.sessions, cohort.wellness
    window = {
        "sessions": s[(s["date"] > first) & (s["date"] <= until)],
        "wellness": w[(w["date"] > first) & (w["date"] <= until)],
    }
    # When the next 21 days are added
    new = extend_daily_features(
        previous,
        window["sessions"],
        window["wellness"],
        cohort.injuries,
        until=until,
        athletes=cohort.athletes,
        sets=cohort.sets,
    )
    # Then they equal the rows of the full rebuild
    expected = table[(table["date"] > cut) & (table["date"] <= until)]
    assert len(new) == len(expected) == 6 * 21
    _assert_same(expected, new)


def test_extend_daily_features_one_day_for_one_athlete(cohort, table: pd.DataFrame) -> None:  # noqa: ANN001
    aid = 3
    day = table.loc[table["athlete_id"] == aid, "date"].max()
    own = table[(table["athlete_id"] == aid) & (table["date"] < day)]
    mine = {
        name: frame[(frame["athlete_id"] == aid) & (frame["date"] > day - pd.Timedelta(days=70))]
        for name, frame in (("s", cohort.sessions), ("w", cohort.wellness))
    }
    new = extend_daily_features(
        own,
        mine["s"],
        mine["w"],
        cohort.injuries[cohort.injuries["athlete_id"] == aid],
        until=day,
        athletes=cohort.athletes,
        sets=cohort.sets,
    )
    _assert_same(table[(table["athlete_id"] == aid) & (table["date"] == day)], new)


def test_candidate_matrix_equals_the_candidate_frame(table: pd.DataFrame) -> None:
    base = table.iloc[[100]].reset_index(drop=True)
    candidates = pd.DataFrame(
        {
            "kind": ["run", "strength", "rest", "cross"],
            "type": ["hills", "strength_full", "rest", "easy_spin"],
            "duration_min": [60.0, 45.0, 0.0, 30.0],
            "rpe": [np.nan, 6.0, np.nan, 3.0],
            "distance_km": [9.0, np.nan, np.nan, np.nan],
            "elevation_gain_m": [500.0, np.nan, np.nan, np.nan],
            "elevation_loss_m": [480.0, np.nan, np.nan, np.nan],
        }
    )
    frame = apply_candidate_sessions(base, candidates)
    matrix = candidate_matrix(base, candidates)
    np.testing.assert_allclose(matrix, frame[list(FEATURE_COLUMNS)].to_numpy(float))
    assert frame.loc[0, "rpe_max"] >= 7.5  # hills default RPE when none is given
