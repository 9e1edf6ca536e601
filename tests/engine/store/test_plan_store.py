"""Plan locks, the log fingerprint and the morning cache on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, inspect

from engine.services.morning_cache import MorningCache
from engine.store import database, logbook, plan_locks

NOW = dt.datetime(2025, 6, 1, 8, 0)
DAY = dt.date(2025, 6, 4)


def _athlete(engine: Engine) -> int:
    with database.open_session(database.make_session_factory(engine)) as session:
        return logbook.create_athlete(session, data={"name": "Lock"}).id


def test_migration_0003_creates_the_plan_lock_table(db_engine: Engine) -> None:
    columns = {c["name"] for c in inspect(db_engine).get_columns("plan_lock")}
    assert {"athlete_id", "date", "type", "duration_min", "note", "role"} <= columns


def test_locks_are_saved_replaced_listed_and_deleted(db_engine: Engine) -> None:
    # given an athlete
    aid = _athlete(db_engine)
    factory = database.make_session_factory(db_engine)
    kwargs = {"athlete_id": aid, "day": DAY, "note": "race", "user_id": None, "now": NOW}
    # when a lock is saved twice and another added
    with database.open_session(factory) as session:
        first, created = plan_locks.save_lock(
            session, type_id="long_trail", duration_min=150, role="coach", **kwargs
        )
        assert created and first.candidate.load_au == 750
        again, created = plan_locks.save_lock(
            session, type_id="rest", duration_min=0, role="athlete", **kwargs
        )
        assert not created and again.type == "rest" and again.role == "athlete"
        plan_locks.save_lock(
            session,
            athlete_id=aid,
            day=DAY + dt.timedelta(days=9),
            type_id="tempo",
            duration_min=40,
            note="",
            role="admin",
            user_id=None,
            now=NOW,
        )
    # then they read back by date and window, and delete once
    with database.open_session(factory) as session:
        assert [lock.type for lock in plan_locks.read_locks(session, athlete_id=aid)] == [
            "rest",
            "tempo",
        ]
        window = plan_locks.read_locks(session, athlete_id=aid, start=DAY, end=DAY)
        assert [lock.date for lock in window] == [DAY]
        assert plan_locks.delete_lock(session, athlete_id=aid, day=DAY)
        assert not plan_locks.delete_lock(session, athlete_id=aid, day=DAY)
        assert plan_locks.read_lock(session, athlete_id=aid, day=DAY) is None


def test_fingerprint_changes_when_any_log_changes(db_engine: Engine) -> None:
    aid = _athlete(db_engine)
    factory = database.make_session_factory(db_engine)

    def fingerprint() -> object:
        with database.open_session(factory) as session:
            return plan_locks.read_log_fingerprint(session, athlete_id=aid, until=DAY)

    empty = fingerprint()
    assert fingerprint() == empty  # stable while nothing changes
    with database.open_session(factory) as session:
        logbook.save_wellness(
            session, athlete_id=aid, values={"date": DAY, "sleep_h": 7.0, "soreness": 2.0}
        )
    checked_in = fingerprint()
    assert checked_in != empty
    with database.open_session(factory) as session:  # the same day's check-in replaced
        logbook.save_wellness(
            session, athlete_id=aid, values={"date": DAY, "sleep_h": 5.0, "soreness": 2.0}
        )
    replaced = fingerprint()
    assert replaced != checked_in
    with database.open_session(factory) as session:
        logbook.add_training_session(
            session,
            athlete_id=aid,
            values={
                "date": DAY - dt.timedelta(days=1),
                "kind": "strength",
                "type": "strength_lower",
                "duration_min": 45.0,
                "rpe": 6.0,
                "external_id": "x1",
            },
            sets=[{"exercise": "Goblet Squat", "set_number": 1, "reps": 10, "load_kg": 20.0}],
        )
    logged = fingerprint()
    assert logged != replaced
    with database.open_session(factory) as session:  # a future log is outside "until"
        logbook.save_wellness(session, athlete_id=aid, values={"date": DAY + dt.timedelta(days=2)})
    assert fingerprint() == logged


def test_morning_cache_builds_once_per_key_and_evicts_the_oldest() -> None:
    cache: MorningCache[int] = MorningCache(max_entries=2)
    calls: list[str] = []

    def build(key: str) -> int:
        calls.append(key)
        return len(calls)

    assert cache.get_or_build("a", lambda: build("a")) == 1
    assert cache.get_or_build("a", lambda: build("a")) == 1
    cache.get_or_build("b", lambda: build("b"))
    cache.get_or_build("c", lambda: build("c"))  # evicts "a"
    assert cache.get_or_build("a", lambda: build("a")) == 4
    assert calls == ["a", "b", "c", "a"] and len(cache) == 2
    assert (cache.hits, cache.misses) == (1, 4)
    with pytest.raises(ValueError, match="max_entries"):
        MorningCache(max_entries=0)


def test_recommend_for_keeps_the_answer_until_a_lock_or_log_changes(settings) -> None:  # noqa: ANN001
    from engine.coach.scoring import ModelSet
    from engine.services.recommendation import recommend_for

    engine = database.make_engine(settings.database_url)
    database.migrate_database(engine)
    factory = database.make_session_factory(engine)
    aid = _athlete(engine)
    models = ModelSet(None, None, {}, degraded_reason="no models in this test")
    cache = MorningCache()

    def recommend():  # noqa: ANN202
        with database.open_session(factory) as session:
            return recommend_for(
                session, athlete_id=aid, today=DAY, models=models, settings=settings, cache=cache
            )

    first = recommend()
    assert recommend() is first  # same logs, locks, models and rules: the kept answer
    with database.open_session(factory) as session:
        plan_locks.save_lock(
            session, athlete_id=aid, day=DAY, type_id="walk", duration_min=30, note="",
            role="coach", user_id=None, now=NOW,
        )  # fmt: skip
    locked = recommend()
    assert locked is not first and locked.session["type"] == "walk"
    with database.open_session(factory) as session:
        logbook.save_wellness(session, athlete_id=aid, values={"date": DAY, "sleep_h": 8.0})
    assert recommend() is not locked  # a new check-in: a new morning state
    assert len(cache) == 1  # the new morning state replaced the outdated one
    engine.dispose()


def test_migration_0006_stores_goal_events(db_engine: Engine) -> None:
    from engine.store import events

    # given the goal_event table and an athlete
    columns = {c["name"] for c in inspect(db_engine).get_columns("goal_event")}
    assert {"athlete_id", "date", "name", "distance_km", "climb_m", "priority"} <= columns
    aid = _athlete(db_engine)
    factory = database.make_session_factory(db_engine)
    # when two events are saved and one removed
    with database.open_session(factory) as session:
        kwargs = {"athlete_id": aid, "climb_m": 0.0, "now": NOW}
        late = events.save_event(
            session, day=DAY, name="50k", distance_km=50, priority="A", **kwargs
        )
        early = events.save_event(
            session, day=DAY - dt.timedelta(days=20), name="10k", distance_km=10, priority="C",
            **kwargs,
        )  # fmt: skip
    with database.open_session(factory) as session:
        listed = events.read_events(session, athlete_id=aid)
        window = events.read_events(session, athlete_id=aid, start=DAY - dt.timedelta(days=1))
        assert events.delete_event(session, athlete_id=aid, event_id=early.id)
        assert not events.delete_event(session, athlete_id=aid + 1, event_id=late.id)
    # then they were listed by date, the window held one, and one is left
    assert [e.name for e in listed] == ["10k", "50k"] and [e.id for e in window] == [late.id]
    with database.open_session(factory) as session:
        assert [e.id for e in events.read_events(session, athlete_id=aid)] == [late.id]
