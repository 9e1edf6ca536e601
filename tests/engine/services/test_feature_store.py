"""The feature store's refresh protocol: racing writes keep their marker, stale versions are
rebuilt, serving reads (and repairs) the store, the trigger migration goes down and up."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from engine.coach import coach
from engine.services import feature_store
from engine.services.recommendation import read_history, recommend_for, rules_from_settings
from engine.services.serving import load_champions
from engine.services.training import load_feature_table
from engine.settings import Settings
from engine.store import database, feature_days, logbook
from engine.store.database import _alembic_config
from pipelines.feature_rows import feature_version
from pipelines.features import build_daily_features
from tests.conftest import TRAINED_END
from tests.engine.services.test_feature_store_writes import (
    _markers,
    _seed,
    assert_store_is_a_rebuild,
)

CHECKIN = {"date": dt.date(2025, 2, 1), "sleep_h": 4.5, "soreness": 4, "fatigue": 4}


@pytest.fixture
def factory(db_engine: Engine) -> sessionmaker[Session]:
    return database.make_session_factory(db_engine)


@pytest.fixture
def athlete(factory: sessionmaker[Session]) -> int:
    """An athlete with 8 weeks of logs and a clean stored feature table."""
    with database.open_session(factory) as session:
        athlete_id = logbook.create_athlete(session, data={"name": "A"}).id
    _seed(factory, athlete_id)
    assert_store_is_a_rebuild(factory)
    return athlete_id


def _checkin(factory: sessionmaker[Session], athlete: int, **values: object) -> None:
    with database.open_session(factory) as session:
        logbook.save_wellness(session, athlete_id=athlete, values={**CHECKIN, **values})


def test_a_write_racing_a_refresh_keeps_its_marker(
    factory: sessionmaker[Session], athlete: int
) -> None:
    # given a dirty athlete whose refresh has read the marker and computed its rows
    _checkin(factory, athlete)
    with database.open_session(factory) as session:
        marker = feature_days.read_marker(session, athlete_id=athlete)
        assert marker is not None
        refresh = feature_store.compute_refresh(session, athlete_id=athlete, since=marker.from_date)
    # when another write commits before the refresh writes its rows
    _checkin(factory, athlete, date=dt.date(2025, 1, 10), sleep_h=3.0)
    with database.open_session(factory) as session:
        cleared = feature_store.write_refresh(session, refresh=refresh, seqs={athlete: marker.seq})
    # then the marker is kept (from the earlier day), and the next refresh catches up
    assert cleared == []
    kept = _markers(factory)[athlete]
    assert kept.seq > marker.seq and kept.from_date == dt.date(2025, 1, 10)
    assert_store_is_a_rebuild(factory)


def test_rows_of_another_feature_version_are_never_served_and_are_rebuilt(
    factory: sessionmaker[Session], athlete: int
) -> None:
    # given stored rows stamped with an older feature version
    with database.open_session(factory) as session:
        session.execute(text("UPDATE feature_day SET version = '0-old'"))
    with database.open_session(factory) as session:
        assert feature_store.read_features(session, athlete_ids=[athlete]).empty
    # when served, then the athlete is rebuilt (and saved) from the logs
    with database.open_session(factory) as session:
        rows = feature_store.read_morning_features(
            session, athlete_id=athlete, today=dt.date(2025, 2, 20), days=360
        )
    assert rows is not None and len(rows) == 51
    with database.open_session(factory) as session:
        span = feature_days.read_spans(session, version=feature_version())[athlete]
    assert span.stale == 0 and span.rows == 56
    assert_store_is_a_rebuild(factory)


def test_serving_a_dirty_athlete_recomputes_and_saves_the_rows(
    factory: sessionmaker[Session], athlete: int
) -> None:
    # given a write nobody refreshed
    _checkin(factory, athlete, sleep_h=3.0)
    today = dt.date(2025, 2, 20)
    # when this morning's features are read
    with database.open_session(factory) as session:
        served = feature_store.read_morning_features(
            session, athlete_id=athlete, today=today, days=360
        )
        rebuilt = feature_store.rebuild_features(session, athlete_ids=[athlete])
    # then they are the rebuild's rows (today's row as the morning row), saved, marker gone
    assert served is not None
    before = rebuilt[rebuilt["date"] < pd.Timestamp(today)][list(served.columns)]
    pd.testing.assert_frame_equal(
        served.iloc[:-1], before.astype(served.dtypes.to_dict()).reset_index(drop=True)
    )
    assert _markers(factory) == {}


def test_serving_while_the_database_is_busy_answers_and_leaves_the_marker(
    tmp_path: object,
) -> None:
    # given a SQLite store whose write lock another connection holds
    url = f"sqlite:///{tmp_path}/busy.sqlite"
    engine = database.make_engine(url, busy_timeout_ms=50)
    database.migrate_database(engine)
    factory = database.make_session_factory(engine)
    with database.open_session(factory) as session:
        athlete = logbook.create_athlete(session, data={"name": "B"}).id
    _seed(factory, athlete)
    blocker = database.make_engine(url).connect()
    blocker.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        # when this morning's features are read
        with database.open_session(factory) as session:
            served = feature_store.read_morning_features(
                session, athlete_id=athlete, today=dt.date(2025, 2, 20), days=360
            )
    finally:
        blocker.exec_driver_sql("ROLLBACK")
        blocker.close()
    # then the answer is computed in memory and the athlete stays dirty
    assert served is not None and len(served) == 51
    assert athlete in _markers(factory)
    assert_store_is_a_rebuild(factory)
    engine.dispose()


def test_feature_store_migration_downgrades_and_upgrades(db_engine: Engine) -> None:
    config = _alembic_config(db_engine)
    command.downgrade(config, "0006")
    tables = set(inspect(db_engine).get_table_names())
    assert not {"feature_day", "feature_dirty", "morning_score"} & tables
    factory = database.make_session_factory(db_engine)
    with database.open_session(factory) as session:  # writes work without the triggers
        athlete = logbook.create_athlete(session, data={"name": "C"}).id
    _seed(factory, athlete, days=10)
    command.upgrade(config, "head")
    assert {"feature_day", "feature_dirty", "morning_score"} <= set(
        inspect(db_engine).get_table_names()
    )
    _checkin(factory, athlete, date=dt.date(2025, 1, 5))
    assert _markers(factory)[athlete].from_date == dt.date(2025, 1, 5)
    assert_store_is_a_rebuild(factory)  # logs from before the store are built too


def _plain(value: object) -> object:
    """The answer with floats to 9 significant digits: the store's rows start EWMAs at the
    first log, the logs path at 360 days back (a difference below 1e-10)."""
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def test_recommendations_from_the_store_equal_those_from_the_logs(
    trained_settings: Settings,
) -> None:
    models = load_champions(trained_settings)
    assert models.available
    rules = rules_from_settings(trained_settings)
    factory = database.make_session_factory(database.make_engine(trained_settings.database_url))
    feature_store.refresh_dirty(factory)
    end = dt.date.fromisoformat(TRAINED_END) - dt.timedelta(days=1)
    with database.open_session(factory) as session:
        for athlete in (1, 9, 25):
            for today in (end, end - dt.timedelta(days=33)):
                features = feature_store.read_morning_features(
                    session, athlete_id=athlete, today=today, days=360
                )
                assert features is not None, "the store must serve this morning"
                from_store = recommend_for(
                    session, athlete_id=athlete, today=today, models=models,
                    settings=trained_settings,
                )  # fmt: skip
                history = read_history(session, athlete_id=athlete, today=today)
                morning = coach.prepare_morning(history, today=today)  # features from logs
                from_logs = coach.recommend_today(morning, models, rules=rules, locks={})
                assert _plain(from_store.to_dict()) == _plain(from_logs.to_dict())


def test_training_table_from_the_store_equals_a_build_from_the_logs(
    factory: sessionmaker[Session], athlete: int
) -> None:
    # given a second athlete never refreshed and a fresh write on the first
    with database.open_session(factory) as session:
        second = logbook.create_athlete(session, data={"name": "D", "max_hr": 181.0}).id
    _seed(factory, second, days=30)
    _checkin(factory, athlete, sleep_h=3.5)
    # when training reads its frame
    with database.open_session(factory) as session:
        frame = load_feature_table(session)
        sessions, wellness, injuries = logbook.read_log_frames(session)
        expected = build_daily_features(
            sessions,
            wellness,
            injuries,
            athletes=logbook.read_athletes_frame(session),
            sets=logbook.read_set_frame(session),
        )
    # then it is the build from the logs, value for value
    pd.testing.assert_frame_equal(frame, expected[list(frame.columns)], check_exact=True)
    assert _markers(factory) == {}


def test_concurrent_readers_of_a_dirty_athlete_both_answer(
    factory: sessionmaker[Session], athlete: int
) -> None:
    # given a dirty athlete read by four requests at once (each saving what it computed)
    _checkin(factory, athlete, sleep_h=3.0)
    barrier = threading.Barrier(4)

    def read() -> int:
        barrier.wait()
        with database.open_session(factory) as session:
            rows = feature_store.read_morning_features(
                session, athlete_id=athlete, today=dt.date(2025, 2, 20), days=360
            )
        return 0 if rows is None else len(rows)

    with ThreadPoolExecutor(4) as pool:
        sizes = list(pool.map(lambda _: read(), range(4)))
    # then every one answers (a losing write is dropped, never an error) and the store is right
    assert sizes == [51] * 4
    assert_store_is_a_rebuild(factory)
