"""The athlete's logs read column by column (``logbook.typed_frame``: no pandas inference on
the cold path) equal the frames ``conform`` makes of the same rows, NULLs included, on SQLite
and PostgreSQL; empty reads have the same columns and dtypes."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine

from engine.store import database, logbook
from pipelines.schemas import (
    INJURY_COLUMNS,
    SESSION_COLUMNS,
    SET_COLUMNS,
    WELLNESS_COLUMNS,
    conform,
)


def test_logs_read_as_typed_frames_equal_conformed_frames(db_engine: Engine) -> None:
    factory = database.make_session_factory(db_engine)
    with database.open_session(factory) as session:
        a = logbook.create_athlete(session, data={"name": "Typed"}).id
        empty = logbook.create_athlete(session, data={"name": "Empty"}).id
        logbook.add_training_session(
            session,
            athlete_id=a,
            values={"date": dt.date(2025, 3, 1), "kind": "run", "type": "easy_trail",
                    "duration_min": 45.0, "source": "manual", "external_id": "t1"},
        )  # fmt: skip
        logbook.add_training_session(
            session,
            athlete_id=a,
            values={"date": dt.date(2025, 3, 2), "kind": "strength", "type": "strength_full",
                    "duration_min": 50.0, "rpe": 6.0, "distance_km": None,
                    "start_time": dt.datetime(2025, 3, 2, 7, 30), "source": "manual",
                    "external_id": "t2"},
            sets=[{"exercise": "deadlift", "set_number": 1, "reps": 5.0, "load_kg": 80.0},
                  {"exercise": "plank", "set_number": 1, "reps": None, "load_kg": None}],
        )  # fmt: skip
        logbook.save_wellness(
            session, athlete_id=a, values={"date": dt.date(2025, 3, 2), "sleep_h": 7.0}
        )
        logbook.save_wellness(
            session,
            athlete_id=a,
            values={"date": dt.date(2025, 3, 3), "soreness": 4.0, "pain": True},
        )
        logbook.add_injury(
            session,
            athlete_id=a,
            values={"start_date": dt.date(2025, 3, 3), "body_part": "ankle",
                    "severity": "minor", "source": "manual", "external_id": "i1"},
        )  # fmt: skip
    with database.open_session(factory) as session:
        for athlete in (a, empty):
            frames = logbook.read_log_frames(session, athlete_ids=[athlete])
            queries = [
                (logbook._session_query([athlete], None), SESSION_COLUMNS),
                (logbook._wellness_query([athlete], None), WELLNESS_COLUMNS),
                (logbook._injury_query([athlete], None), INJURY_COLUMNS),
            ]
            for frame, (query, columns) in zip(frames, queries, strict=True):
                result = session.execute(query)
                rows = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
                expected = conform(rows, columns, name="logs")
                pd.testing.assert_frame_equal(frame, expected, check_exact=True)
            assert len(frames[0]) == (2 if athlete == a else 0)
            sets = logbook.read_set_frame(session, athlete_ids=[athlete])
            assert list(sets.columns) == list(SET_COLUMNS)
            assert len(sets) == (2 if athlete == a else 0)
        sets = logbook.read_set_frame(session, athlete_ids=[a])
    assert sets["reps"].isna().tolist() == [False, True]
    assert str(sets["set_number"].dtype) == SET_COLUMNS["set_number"]
