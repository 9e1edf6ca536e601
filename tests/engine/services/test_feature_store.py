"""The daily feature store: incremental refreshes equal a full rebuild; stale rows never serve."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, update

from engine.services import feature_store
from engine.services.simulation import save_cohort
from engine.store import database, feature_days, logbook
from engine.store.tables import FeatureDay
from pipelines.feature_rows import feature_version, morning_row, stored_columns
from pipelines.features import build_daily_features
from pipelines.simulator.cohort import simulate_cohort

END = dt.date(2025, 6, 1)
DAYS = 120


@pytest.fixture(scope="module")
def cohort():  # noqa: ANN201
    return simulate_cohort(n_athletes=4, n_days=DAYS, seed=11, start=END - dt.timedelta(days=DAYS))


@pytest.fixture
def factory(db_engine: Engine, cohort):  # noqa: ANN001, ANN201
    """A database with 4 simulated athletes x 120 days; the store built by ``save_cohort``."""
    factory = database.make_session_factory(db_engine)
    with database.open_session(factory) as session:
        save_cohort(session, cohort, seed=11)
    return factory


def _stored(session) -> pd.DataFrame:  # noqa: ANN001
    return feature_store.read_features(session).reset_index(drop=True)


def _assert_same_rows(left: pd.DataFrame, right: pd.DataFrame) -> None:
    assert len(left) == len(right)
    assert (left["athlete_id"].to_numpy() == right["athlete_id"].to_numpy()).all()
    assert (left["date"].to_numpy() == right["date"].to_numpy()).all()
    columns = list(stored_columns())
    a, b = left[columns].to_numpy(float), right[columns].to_numpy(float)
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True)


def test_the_store_built_with_the_cohort_equals_build_daily_features(factory) -> None:  # noqa: ANN001
    with database.open_session(factory) as session:
        sessions, wellness, injuries = logbook.read_log_frames(session)
        expected = build_daily_features(
            sessions,
            wellness,
            injuries,
            athletes=feature_days.read_profiles(session),
            sets=logbook.read_set_frame(session),
        )
        stored = _stored(session)
    assert stored["athlete_id"].nunique() == 4
    _assert_same_rows(stored, expected[["athlete_id", "date", *stored_columns()]])


def test_incremental_refreshes_equal_a_full_rebuild(factory) -> None:  # noqa: ANN001
    """Writes in the middle, at the end and after the end of the history, each followed by
    ``refresh_features``, leave the store equal to rebuilding every athlete from the logs."""
    mid = END - dt.timedelta(days=50)
    with database.open_session(factory) as session:
        before = _stored(session)
        ids = sorted(before["athlete_id"].unique().tolist())
        row = logbook.add_training_session(
            session,
            athlete_id=ids[0],
            values={
                "date": mid,
                "type": "long_run",
                "kind": "run",
                "duration_min": 150.0,
                "rpe": 8.0,
                "distance_km": 25.0,
                "elevation_gain_m": 900.0,
                "source": "manual",
                "external_id": "test-long-run",
            },
        )
        assert feature_store.refresh_features(session, athlete_id=ids[0], since=row.date) > 0
        logbook.save_wellness(
            session,
            athlete_id=ids[1],
            values={"date": END - dt.timedelta(days=3), "sleep_h": 4.0, "soreness": 5},
        )
        feature_store.refresh_features(session, athlete_id=ids[1], since=END - dt.timedelta(days=3))
        logbook.add_injury(
            session,
            athlete_id=ids[2],
            values={
                "start_date": mid,
                "body_part": "calf",
                "severity": "moderate",
                "source": "manual",
            },
        )
        feature_store.refresh_features(session, athlete_id=ids[2], since=mid)
        later = END + dt.timedelta(days=5)
        logbook.save_wellness(
            session, athlete_id=ids[3], values={"date": later, "sleep_h": 8.0, "soreness": 1}
        )
        feature_store.refresh_features(session, athlete_id=ids[3], since=later)
        far = END + dt.timedelta(days=150)  # a gap longer than the lookback after the store
        logbook.save_wellness(
            session, athlete_id=ids[2], values={"date": far, "sleep_h": 6.0, "soreness": 3}
        )
        feature_store.refresh_features(session, athlete_id=ids[2], since=far)
    with database.open_session(factory) as session:
        incremental = _stored(session)
        feature_store.rebuild_features(session)
    with database.open_session(factory) as session:
        rebuilt = _stored(session)
    _assert_same_rows(incremental, rebuilt)
    changed = incremental.set_index(["athlete_id", "date"])
    old = before.set_index(["athlete_id", "date"])
    assert (
        changed.loc[(ids[0], pd.Timestamp(mid)), "load_total"]
        > old.loc[(ids[0], pd.Timestamp(mid)), "load_total"]
    )
    assert changed.loc[(ids[2], pd.Timestamp(mid)), "injured"] == 1.0
    assert changed.loc[ids[3]].index.max() == pd.Timestamp(later)
    assert changed.loc[ids[2]].index.max() == pd.Timestamp(END + dt.timedelta(days=150))
    # rows before the changed days are untouched
    untouched = old.loc[ids[0]].index < pd.Timestamp(mid - dt.timedelta(days=8))
    np.testing.assert_array_equal(
        changed.loc[ids[0]][list(stored_columns())].to_numpy()[: untouched.sum()],
        old.loc[ids[0]][list(stored_columns())].to_numpy()[untouched],
    )


def test_stale_rows_are_never_served_and_a_refresh_rebuilds_them(factory) -> None:  # noqa: ANN001
    today = END - dt.timedelta(days=10)
    with database.open_session(factory) as session:
        athlete = int(_stored(session)["athlete_id"].min())
        fresh = feature_store.read_morning_features(
            session, athlete_id=athlete, today=today, days=360
        )
        assert fresh is not None and fresh["date"].iloc[-1] == pd.Timestamp(today)
        session.execute(
            update(FeatureDay).where(FeatureDay.athlete_id == athlete).values(version="0-old")
        )
    with database.open_session(factory) as session:
        assert (
            feature_store.read_morning_features(session, athlete_id=athlete, today=today, days=360)
            is None
        )
        span = feature_days.read_spans(session, version=feature_version())[athlete]
        assert span.stale == span.rows
        feature_store.refresh_features(session, athlete_id=athlete, since=today)
    with database.open_session(factory) as session:
        span = feature_days.read_spans(session, version=feature_version())[athlete]
        assert span.stale == 0
        again = feature_store.read_morning_features(
            session, athlete_id=athlete, today=today, days=360
        )
    _assert_same_rows(fresh, again)


def test_the_morning_row_takes_the_days_sessions_out(factory) -> None:  # noqa: ANN001
    """Serving's morning row equals the row built from the logs before today's sessions."""
    with database.open_session(factory) as session:
        stored = _stored(session)
        trained = stored[stored["n_sessions"] > 0].iloc[len(stored) // 2]
        athlete, day = int(trained["athlete_id"]), trained["date"]
        sessions, wellness, injuries = logbook.read_log_frames(session, athlete_ids=[athlete])
        expected = build_daily_features(
            sessions[sessions["date"] < day],
            wellness[wellness["date"] <= day],
            injuries,
            until=day.date(),
            athlete_ids=[athlete],
            athletes=feature_days.read_profiles(session, athlete_ids=[athlete]),
            sets=logbook.read_set_frame(session, athlete_ids=[athlete]),
        ).tail(1)
    row = stored[(stored["athlete_id"] == athlete) & (stored["date"] == day)]
    morning = morning_row(row)
    assert morning["load_total"].iloc[0] == 0.0 < row["load_total"].iloc[0]
    labels = ["readiness_next", "injury_7d"]
    _assert_same_rows(
        morning.drop(columns=labels).assign(readiness_next=0.0, injury_7d=0.0),
        expected.drop(columns=labels).assign(readiness_next=0.0, injury_7d=0.0)[
            ["athlete_id", "date", *stored_columns()]
        ],
    )
