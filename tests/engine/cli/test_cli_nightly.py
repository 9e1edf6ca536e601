"""``cairn nightly``: refreshes the store and scores every morning; its three options."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from engine.services.nightly import read_scores
from engine.store import database, feature_days, logbook
from pipelines.schemas import SESSION_COLUMNS, WELLNESS_COLUMNS, conform
from tests.factories import make_training_log

DAY = "2025-02-26"  # the morning after the factory's 8 weeks of logs


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, mlflow_template: Path) -> Path:
    """A fresh data dir (no champion yet) with two athletes, 8 weeks of logs each."""
    folder = tmp_path_factory.mktemp("cli-nightly") / "data"
    folder.mkdir()
    shutil.copy(mlflow_template, folder / "mlflow.db")
    engine = database.make_engine(f"sqlite:///{folder / 'app.sqlite'}")
    database.migrate_database(engine)
    with database.open_session(database.make_session_factory(engine)) as session:
        for athlete in (1, 2):
            logbook.create_athlete(session, data={"name": f"A{athlete}"})
            sessions, wellness, injuries = make_training_log(days=56, athlete_id=athlete)
            logbook.bulk_insert_logs(
                session,
                sessions=conform(sessions, SESSION_COLUMNS, name="sessions"),
                wellness=conform(wellness, WELLNESS_COLUMNS, name="wellness"),
                injuries=injuries,
            )
    engine.dispose()
    return folder


def test_nightly_refreshes_the_store_and_scores_every_morning(cairn, data_dir: Path) -> None:  # noqa: ANN001
    # a fresh data dir: the nightly puts the day-one population models in place, as the first
    # `cairn recommend` does, and scores with them (the scores and answers it prepares are
    # then the ones served), not with the rule-based fallback
    result = cairn("nightly", "--date", DAY, "--answers")
    assert result.exit_code == 0, result.output
    assert "2 athletes" in result.output and "2 mornings" in result.output
    assert "2 answers prepared" in result.output and "No champions" not in result.output
    engine = database.make_engine(f"sqlite:///{data_dir / 'app.sqlite'}")
    with database.open_session(database.make_session_factory(engine)) as session:
        assert feature_days.read_markers(session) == []
        scores = read_scores(session, day=dt.date.fromisoformat(DAY))
    engine.dispose()
    assert sorted(scores) == [1, 2] and not any(s["degraded"] for s in scores.values())
    listed = cairn("models", "list")
    assert listed.exit_code == 0
    assert listed.output.count("(champion history: [1])") == 2, listed.output  # both targets


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--engine", "dask"), "--engine must be one of local, spark"),
        (("--master", "local[2]"), "--master needs --engine spark"),
        (("--date", "yesterday"), "YYYY-MM-DD"),
    ],
)
def test_nightly_usage_errors_exit_2(cairn, args: tuple[str, ...], message: str) -> None:  # noqa: ANN001
    result = cairn("nightly", *args)
    assert result.exit_code == 2
    assert message in result.output
