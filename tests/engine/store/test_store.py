"""Storage on SQLite and PostgreSQL: migrations, inserts, constraints, reads."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError

from engine.errors import AthleteNotFoundError
from engine.store import database, logbook


def _athlete(session) -> int:  # noqa: ANN001
    return logbook.create_athlete(session, data={"name": "Ana", "birth_year": 1990}).id


def test_migrate_database_creates_all_tables(db_engine: Engine) -> None:
    tables = set(inspect(db_engine).get_table_names())
    assert {"athlete", "training_session", "strength_set", "wellness_checkin", "injury"} <= tables


def test_migrate_database_twice_is_a_no_op(db_engine: Engine) -> None:
    database.migrate_database(db_engine)
    assert "athlete" in inspect(db_engine).get_table_names()


def test_head_revision_is_alembics_head() -> None:
    from importlib.resources import files

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(files("engine.store") / "migrations"))
    assert database.head_revision() == ScriptDirectory.from_config(config).get_current_head()


def test_an_older_schema_is_upgraded_not_skipped(db_engine: Engine) -> None:
    from alembic import command

    # given a database one migration behind the newest
    command.downgrade(database._alembic_config(db_engine), "-1")
    assert not database._schema_is_current(db_engine)
    # when it is migrated again, then it is at the head (the fast check did not skip it)
    database.migrate_database(db_engine)
    assert database._schema_is_current(db_engine)


def test_store_round_trips_logs(db_engine: Engine) -> None:
    factory = database.make_session_factory(db_engine)
    with database.open_session(factory) as session:
        aid = _athlete(session)
        logbook.add_training_session(
            session,
            athlete_id=aid,
            values={
                "date": dt.date(2025, 5, 1),
                "kind": "strength",
                "type": "strength_lower",
                "duration_min": 50,
                "rpe": 7,
                "source": "manual",
                "external_id": "x1",
            },
            sets=[{"exercise": "Deadlift", "set_number": 1, "reps": 5, "load_kg": 100}],
        )
        logbook.save_wellness(
            session,
            athlete_id=aid,
            values={"date": dt.date(2025, 5, 2), "sleep_h": 7.5, "readiness": 8},
        )
        logbook.add_injury(
            session,
            athlete_id=aid,
            values={"start_date": dt.date(2025, 5, 3), "body_part": "calf", "severity": "minor"},
        )
    with database.open_session(factory) as session:
        logs = logbook.read_athlete_logs(session, athlete_id=aid)
        counts = logbook.count_rows(session)
    assert logs.sessions["rpe"].tolist() == [7.0]
    assert logs.wellness["sleep_h"].tolist() == [7.5]
    assert logs.injuries["body_part"].tolist() == ["calf"]
    assert counts["strength_set"] == 1
    assert logs.athlete.availability_min == logbook.DEFAULT_AVAILABILITY


def test_save_wellness_replaces_same_day(db_engine: Engine) -> None:
    factory = database.make_session_factory(db_engine)
    with database.open_session(factory) as session:
        aid = _athlete(session)
        _, first = logbook.save_wellness(
            session, athlete_id=aid, values={"date": dt.date(2025, 5, 2), "sleep_h": 5}
        )
        _, second = logbook.save_wellness(
            session, athlete_id=aid, values={"date": dt.date(2025, 5, 2), "sleep_h": 8}
        )
    with database.open_session(factory) as session:
        logs = logbook.read_athlete_logs(session, athlete_id=aid)
    assert (first, second) == (True, False)
    assert logs.wellness["sleep_h"].tolist() == [8.0]


def test_duplicate_external_id_is_rejected(db_engine: Engine) -> None:
    factory = database.make_session_factory(db_engine)
    values = {
        "date": dt.date(2025, 5, 1),
        "kind": "run",
        "type": "easy_trail",
        "duration_min": 30,
        "source": "fit",
        "external_id": "same",
    }
    with pytest.raises(IntegrityError), database.open_session(factory) as session:
        aid = _athlete(session)
        logbook.add_training_session(session, athlete_id=aid, values=values)
        logbook.add_training_session(session, athlete_id=aid, values=values)
    with database.open_session(factory) as session:
        assert logbook.count_rows(session)["training_session"] == 0


def test_read_athlete_unknown_raises(db_engine: Engine) -> None:
    factory = database.make_session_factory(db_engine)
    with (
        pytest.raises(AthleteNotFoundError, match="athlete 999"),
        database.open_session(factory) as session,
    ):
        logbook.read_athlete(session, athlete_id=999)
