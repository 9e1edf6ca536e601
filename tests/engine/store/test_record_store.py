"""Reading back, correcting and deleting records with an audit trail, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, func, inspect, select

from engine.store import database, logbook, plan_locks, records
from engine.store.records import Actor
from engine.store.tables import StrengthSet

NOW = dt.datetime(2025, 6, 1, 8, 0)
DAY = dt.date(2025, 6, 4)
ACTOR = Actor(subject="user:7", user_id=None)


def _lift(session, athlete_id: int):  # noqa: ANN001, ANN202
    values = {"date": DAY, "kind": "strength", "type": "strength_lower", "duration_min": 40.0,
              "rpe": 6.0, "source": "manual", "external_id": "lift-1"}  # fmt: skip
    sets = [{"exercise": "deadlift", "set_number": n, "reps": 5, "load_kg": 80.0} for n in (1, 2)]
    return logbook.add_training_session(session, athlete_id=athlete_id, values=values, sets=sets)


def test_migration_0004_creates_the_record_change_table(db_engine: Engine) -> None:
    columns = {c["name"] for c in inspect(db_engine).get_columns("record_change")}
    assert {"athlete_id", "record_type", "record_id", "action", "changes", "changed_by",
            "changed_at"} <= columns  # fmt: skip


def test_update_logs_the_diff_and_changes_the_fingerprint(db_engine: Engine) -> None:
    factory = database.make_session_factory(db_engine)
    with database.open_session(factory) as session:
        aid = logbook.create_athlete(session, data={"name": "Edit"}).id
        row = _lift(session, aid)
        before = plan_locks.read_log_fingerprint(session, athlete_id=aid, until=DAY)
        # when only the type changes (duration, RPE and counts stay equal)
        changed = records.update_record(
            session, row=row, values={"type": "strength_full"}, actor=ACTOR, now=NOW
        )
        after = plan_locks.read_log_fingerprint(session, athlete_id=aid, until=DAY)
        # then the diff is logged and the fingerprint (the morning cache's key) moves
        assert changed == {"type": ["strength_lower", "strength_full"]}
        assert before != after
        # and a no-op update logs nothing and keeps the fingerprint
        records.update_record(session, row=row, values={"rpe": 6.0}, actor=ACTOR, now=NOW)
        assert plan_locks.read_log_fingerprint(session, athlete_id=aid, until=DAY) == after
        changes = records.read_changes(session, athlete_id=aid)
        assert [(c.action, c.record_type, c.changed_by) for c in changes] == [
            ("update", "session", "user:7")
        ]


def test_sets_are_replaced_and_deleted_with_their_session(db_engine: Engine) -> None:
    factory = database.make_session_factory(db_engine)
    with database.open_session(factory) as session:
        aid = logbook.create_athlete(session, data={"name": "Sets"}).id
        row = _lift(session, aid)
        new = [{"exercise": "lunge", "set_number": 1, "reps": 10, "load_kg": None, "rpe": None}]
        changed = records.update_record(session, row=row, values={}, sets=new, actor=ACTOR, now=NOW)
        assert changed["sets"][1] == new
        assert session.scalar(select(func.count(StrengthSet.id))) == 1
        records.delete_record(session, row=row, actor=ACTOR, now=NOW)
    with database.open_session(factory) as session:
        rows, total = records.read_records_page(session, record_type="session", athlete_id=aid)
        assert (rows, total) == ([], 0)
        assert session.scalar(select(func.count(StrengthSet.id))) == 0
        deleted = records.read_changes(session, athlete_id=aid)[0]
        assert deleted.action == "delete" and deleted.changes["type"] == ["strength_lower", None]


def test_pages_filter_by_date_and_hide_other_athletes(db_engine: Engine) -> None:
    factory = database.make_session_factory(db_engine)
    with database.open_session(factory) as session:
        aid = logbook.create_athlete(session, data={"name": "A"}).id
        other = logbook.create_athlete(session, data={"name": "B"}).id
        for day in (1, 2, 3):
            logbook.save_wellness(
                session, athlete_id=aid, values={"date": dt.date(2025, 6, day), "sleep_h": 7.0}
            )
        foreign = logbook.add_injury(
            session,
            athlete_id=other,
            values={"start_date": DAY, "body_part": "knee", "severity": "minor"},  # fmt: skip
        )
        rows, total = records.read_records_page(
            session, record_type="wellness", athlete_id=aid, start=dt.date(2025, 6, 2), limit=1
        )
        assert total == 2 and [r.date.day for r in rows] == [3]
        assert (
            records.read_record(session, record_type="injury", athlete_id=aid, record_id=foreign.id)
            is None
        )
