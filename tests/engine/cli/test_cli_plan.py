"""``cairn plan`` through typer's CliRunner on a real SQLite database in a tmp data dir."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine.store import database, logbook
from pipelines.schemas import SESSION_COLUMNS, WELLNESS_COLUMNS, conform
from tests.factories import make_training_log


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, population_mlflow: Path) -> Path:
    """A data dir whose database holds athlete 1 with 8 weeks of logs; the day-one population
    models in the MLflow store (as after a first ``cairn plan``)."""
    folder = tmp_path_factory.mktemp("cli-plan") / "data"
    folder.mkdir()
    shutil.copy(population_mlflow, folder / "mlflow.db")
    engine = database.make_engine(f"sqlite:///{folder / 'app.sqlite'}")
    database.migrate_database(engine)
    sessions, wellness, injuries = make_training_log(days=56)
    sessions = conform(sessions, SESSION_COLUMNS, name="sessions")
    wellness = conform(wellness, WELLNESS_COLUMNS, name="wellness")
    with database.open_session(database.make_session_factory(engine)) as session:
        assert logbook.create_athlete(session, data={"name": "Mia", "max_hr": 185.0}).id == 1
        logbook.bulk_insert_logs(session, sessions=sessions, wellness=wellness, injuries=injuries)
    engine.dispose()
    return folder


def test_cli_plan_json_has_days_and_block(cairn) -> None:  # noqa: ANN001
    result = cairn("plan", "--athlete", "1", "--days", "3", "--date", "2025-02-26", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["athlete_id"] == 1 and len(body["days"]) == 3
    assert body["days"][0]["date"] == "2025-02-26"
    assert set(body["days"][0]["session"]) == {
        "kind",
        "type",
        "intensity",
        "duration_min",
        "target_rpe",
    }
    assert body["block"]["phase"] in ("build", "deload")


def test_cli_plan_lock_shows_in_the_plan_then_unlock(cairn) -> None:  # noqa: ANN001
    locked = cairn(
        "plan", "lock", "--athlete", "1", "--date", "2025-02-27", "--type", "hills",
        "--duration", "50", "--note", "coach",
    )  # fmt: skip
    assert locked.exit_code == 0, locked.output
    assert "Locked 2025-02-27" in locked.output
    plan = json.loads(cairn("plan", "--athlete", "1", "--date", "2025-02-26", "--json").stdout)
    day = plan["days"][1]
    assert day["locked"] and day["session"]["type"] == "hills"
    listed = json.loads(cairn("plan", "locks", "--athlete", "1", "--json").stdout)
    assert listed["count"] == 1 and listed["data"][0]["set_by"] == "coach"
    assert cairn("plan", "unlock", "--athlete", "1", "--date", "2025-02-27").exit_code == 0
    assert cairn("plan", "unlock", "--athlete", "1", "--date", "2025-02-27").exit_code == 1


def test_cli_plan_table_and_errors(cairn) -> None:  # noqa: ANN001
    table = cairn("plan", "--athlete", "1", "--date", "2025-02-26")
    assert table.exit_code == 0 and "Plan for athlete 1" in table.output
    assert cairn("plan").exit_code == 2
    assert cairn("plan", "--athlete", "99").exit_code == 1
    bad = cairn("plan", "lock", "--athlete", "1", "--date", "2025-02-27", "--type", "yoga")
    assert bad.exit_code == 2 and "unknown session type" in bad.output
