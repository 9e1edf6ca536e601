"""``cairn events`` through typer's CliRunner: add, list, remove, and the plan around a race."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from engine.store import database, logbook
from pipelines.schemas import SESSION_COLUMNS, WELLNESS_COLUMNS, conform
from tests.factories import make_training_log

TODAY = dt.date(2025, 2, 26)  # the day after 8 weeks of logs
RACE = TODAY + dt.timedelta(days=14)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, population_mlflow: Path) -> Path:
    """A data dir whose database holds athlete 1 with 8 weeks of logs; the day-one population
    models in the MLflow store (as after a first ``cairn plan``)."""
    folder = tmp_path_factory.mktemp("cli-events") / "data"
    folder.mkdir()
    shutil.copy(population_mlflow, folder / "mlflow.db")
    engine = database.make_engine(f"sqlite:///{folder / 'app.sqlite'}")
    database.migrate_database(engine)
    sessions, wellness, injuries = make_training_log(days=56)
    sessions = conform(sessions, SESSION_COLUMNS, name="sessions")
    wellness = conform(wellness, WELLNESS_COLUMNS, name="wellness")
    with database.open_session(database.make_session_factory(engine)) as session:
        athlete = {"name": "Mia", "availability_min": [90, 60, 90, 60, 90, 180, 180]}
        assert logbook.create_athlete(session, data=athlete).id == 1
        logbook.bulk_insert_logs(session, sessions=sessions, wellness=wellness, injuries=injuries)
    engine.dispose()
    return folder


def _plan(cairn, day: dt.date) -> dict:  # noqa: ANN001
    result = cairn("plan", "--athlete", "1", "--date", day.isoformat(), "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_an_a_race_14_days_ahead_tapers_races_and_recovers(cairn) -> None:  # noqa: ANN001
    # given an A race 14 days ahead, added at the command line
    added = cairn(
        "events", "add", "--athlete", "1", "--date", RACE.isoformat(), "--name", "Trail 50k",
        "--distance-km", "50", "--climb-m", "2000", "--priority", "A",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    listed = json.loads(cairn("events", "list", "--athlete", "1", "--json").stdout)
    assert listed["count"] == 1 and listed["data"][0]["name"] == "Trail 50k"
    # when the plan is asked today, in race week and the day after
    today, race_week, after = (_plan(cairn, d) for d in (TODAY, RACE - dt.timedelta(6), RACE))
    # then today's plan is in the taper (21 days for a 50 km with 2000 m of climb)
    assert today["goal"]["phase"] == "taper" and today["goal"]["days_to_event"] == 14
    assert today["goal"]["event"]["priority"] == "A"
    # and race week has no hard session in the last 3 days and the race on its day
    days = race_week["days"]
    assert days[6]["date"] == RACE.isoformat() and days[6]["session"]["type"] == "race"
    assert days[6]["session"]["kind"] == "run" and days[6]["locked"]
    assert all(d["session"]["intensity"] != "hard" for d in days[3:6])
    # and the days after the race recover (easy, short)
    assert after["days"][0]["session"]["type"] == "race"
    for d in after["days"][1:4]:
        assert d["session"]["intensity"] in ("rest", "easy")
        assert d["session"]["duration_min"] <= 45
    # and the event is removed by id
    event_id = str(listed["data"][0]["id"])
    assert cairn("events", "remove", "--athlete", "1", "--id", event_id).exit_code == 0
    assert cairn("events", "remove", "--athlete", "1", "--id", event_id).exit_code == 1
    assert json.loads(cairn("events", "list", "--athlete", "1", "--json").stdout)["count"] == 0


def test_bad_event_input_names_the_field_and_writes_nothing(cairn) -> None:  # noqa: ANN001
    bad = cairn(
        "events", "add", "--athlete", "1", "--date", RACE.isoformat(), "--name", "x",
        "--distance-km", "50", "--priority", "D",
    )  # fmt: skip
    assert bad.exit_code == 2 and "priority" in bad.output and "Traceback" not in bad.output
    unknown = cairn(
        "events", "add", "--athlete", "99", "--date", RACE.isoformat(), "--name", "x",
        "--distance-km", "5",
    )  # fmt: skip
    assert unknown.exit_code == 1
    assert json.loads(cairn("events", "list", "--athlete", "1", "--json").stdout)["count"] == 0
