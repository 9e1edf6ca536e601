"""Closing an athlete's open injuries (the morning they are back), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from engine.store import database, logbook


def test_end_open_injuries_closes_only_the_athletes_open_ones(db_engine: Engine) -> None:
    factory = database.make_session_factory(db_engine)
    day = dt.date(2025, 5, 1)
    with database.open_session(factory) as session:
        ana = logbook.create_athlete(session, data={"name": "Ana"}).id
        ben = logbook.create_athlete(session, data={"name": "Ben"}).id
        for athlete, start, end in ((ana, day, day), (ana, day + dt.timedelta(days=9), None)):
            values = {"start_date": start, "end_date": end, "body_part": "calf"}
            logbook.add_injury(session, athlete_id=athlete, values=values | {"severity": "minor"})
        logbook.add_injury(
            session,
            athlete_id=ben,
            values={"start_date": day, "body_part": "knee", "severity": "minor"},
        )
    # when Ana is back on the 20th
    with database.open_session(factory) as session:
        closed = logbook.end_open_injuries(session, athlete_id=ana, end_date=dt.date(2025, 5, 19))
    # then only her open injury ends, on that day; Ben's stays open
    with database.open_session(factory) as session:
        _, _, injuries = logbook.read_log_frames(session)
    assert closed == 1
    ends = {
        (int(a), s.date()): (None if e is None or str(e) == "NaT" else e.date())
        for a, s, e in injuries[["athlete_id", "start_date", "end_date"]].itertuples(index=False)
    }
    assert ends == {
        (ana, day): day,
        (ana, day + dt.timedelta(days=9)): dt.date(2025, 5, 19),
        (ben, day): None,
    }
