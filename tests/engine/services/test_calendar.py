"""Time zones (issue 12 build 6): the athlete's "today", and one start-time convention."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from engine.services.calendar import check_timezone, local_today, localize_sessions
from engine.services.imports import ImportOptions, import_paths
from engine.store import database, logbook
from engine.store.tables import TrainingSession

GPX = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "activity-samples" / "gpx"


def test_today_is_the_athletes_local_date() -> None:
    # at 20:00 UTC it is already tomorrow in Auckland and still today in Los Angeles
    now = dt.datetime(2025, 6, 1, 20, 0, tzinfo=dt.UTC)
    assert local_today(ZoneInfo("Pacific/Auckland"), now=now) == dt.date(2025, 6, 2)
    assert local_today(ZoneInfo("America/Los_Angeles"), now=now) == dt.date(2025, 6, 1)


def test_a_bad_time_zone_names_the_field() -> None:
    assert check_timezone("Europe/Oslo") == "Europe/Oslo"
    with pytest.raises(ValueError, match="timezone"):
        check_timezone("Mars/Olympus_Mons")


def test_utc_start_times_become_local_times_and_dates() -> None:
    # a run started 23:30 UTC is a 01:30 run on the next day in Oslo (summer time)
    sessions = pd.DataFrame(
        {"date": pd.to_datetime(["2025-06-01", "2025-06-03"]),
         "start_time": pd.to_datetime(["2025-06-01 23:30", None])}
    )  # fmt: skip
    local = localize_sessions(sessions, zone=ZoneInfo("Europe/Oslo"))
    assert local["start_time"].iloc[0] == pd.Timestamp("2025-06-02 01:30")
    assert local["date"].iloc[0] == pd.Timestamp("2025-06-02")
    assert local["date"].iloc[1] == pd.Timestamp("2025-06-03")  # no start time: kept


def _import_gpx(engine: Engine, zone: str | None) -> tuple[dt.date, dt.datetime]:
    factory = database.make_session_factory(engine)
    with database.open_session(factory) as session:
        athlete = logbook.create_athlete(session, data={"name": "Tz", "timezone": zone}).id
    path = sorted(GPX.glob("*.gpx"))[0]
    options = ImportOptions(athlete_id=athlete, format="gpx")
    summary = import_paths(
        factory, items=[(path.name, path)], options=options, today=dt.date(2030, 1, 1)
    )
    assert summary.files[0].status == "ok", summary.files[0]
    with database.open_session(factory) as session:
        row = session.scalars(
            select(TrainingSession).where(TrainingSession.athlete_id == athlete)
        ).one()
        return row.date, row.start_time


def test_a_gpx_run_is_stored_at_the_athletes_local_time(db_engine: Engine) -> None:
    if not GPX.exists():
        pytest.skip(f"shared data not found: {GPX}")
    # given the same GPX file imported for an athlete in UTC and one in Auckland
    utc_day, utc_start = _import_gpx(db_engine, None)
    nz_day, nz_start = _import_gpx(db_engine, "Pacific/Auckland")
    # then the Auckland start is the UTC start shifted by Auckland's offset, with its date
    offset = ZoneInfo("Pacific/Auckland").utcoffset(utc_start)
    assert nz_start == utc_start + offset and nz_day == nz_start.date()
    assert utc_day == utc_start.date()
