"""The feature store equals a full rebuild after every write path, on SQLite and PostgreSQL.

Each write (API POST/PATCH/DELETE, web form posts, ``cairn log``, file imports, a simulated
cohort, a profile edit) must leave a dirty marker written by the database triggers in the
write's own transaction; ``refresh_dirty`` then brings the stored rows to exactly what
``build_daily_features`` gives from all the logs.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from api.main import create_app
from engine.cli import app as cli_app
from engine.services import feature_store
from engine.services.imports import ImportOptions, import_path
from engine.services.simulation import save_cohort
from engine.settings import Settings
from engine.store import database, feature_days, logbook
from pipelines.schemas import SESSION_COLUMNS, WELLNESS_COLUMNS, conform
from pipelines.simulator.cohort import simulate_cohort
from tests.api.conftest import add_athlete, add_user, with_secret
from tests.factories import make_training_log
from tests.import_cases import SAMPLES

RUN = {"date": "2025-02-10", "kind": "run", "type": "tempo", "duration_min": 50, "rpe": 7}


def _seed(factory: sessionmaker[Session], athlete_id: int, *, days: int = 56) -> None:
    sessions, wellness, injuries = make_training_log(days=days, athlete_id=athlete_id)
    with database.open_session(factory) as session:
        logbook.bulk_insert_logs(
            session,
            sessions=conform(sessions, SESSION_COLUMNS, name="sessions"),
            wellness=conform(wellness, WELLNESS_COLUMNS, name="wellness"),
            injuries=injuries,
        )


def _markers(factory: sessionmaker[Session]) -> dict[int, feature_days.Marker]:
    with database.open_session(factory) as session:
        return {m.athlete_id: m for m in feature_days.read_markers(session)}


def assert_store_is_a_rebuild(factory: sessionmaker[Session]) -> None:
    """Refresh what is dirty, then every athlete's stored rows equal a full rebuild."""
    feature_store.refresh_dirty(factory)
    assert _markers(factory) == {}
    with database.open_session(factory) as session:
        ids = sorted(feature_days.read_athlete_ids(session))
        stored = feature_store.read_features(session, athlete_ids=ids)
        rebuilt = feature_store.rebuild_features(session, athlete_ids=ids)
    assert len(stored) > 0
    expected = rebuilt[list(stored.columns)].astype(stored.dtypes.to_dict())
    pd.testing.assert_frame_equal(stored, expected.reset_index(drop=True), check_exact=True)


@pytest.fixture
def factory(db_engine: Engine) -> sessionmaker[Session]:
    return database.make_session_factory(db_engine)


@pytest.fixture
def api(db_url: str, tmp_path: Path, mlflow_template: Path) -> Iterator[TestClient]:
    """The API on the parametrised database (no models: rule-based answers)."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(mlflow_template, data_dir / "mlflow.db")
    settings = with_secret(Settings(data_dir=data_dir, database_url=db_url))
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        yield client


def test_triggers_mark_on_insert_update_delete_with_the_earliest_day(
    factory: sessionmaker[Session],
) -> None:
    # given an athlete with a stored, clean feature table
    with database.open_session(factory) as session:
        athlete = logbook.create_athlete(session, data={"name": "A"}).id
    _seed(factory, athlete)
    assert_store_is_a_rebuild(factory)
    # when a session is moved from day 40 back to day 20 by plain SQL (no service code)
    with database.open_session(factory) as session:
        session.execute(
            text("UPDATE training_session SET date = :new WHERE athlete_id = :a AND date = :old"),
            {"new": dt.date(2025, 1, 21), "old": dt.date(2025, 2, 10), "a": athlete},
        )
    # then the marker holds the earliest of the old and new days, and seq counted both
    marker = _markers(factory)[athlete]
    assert marker.from_date == dt.date(2025, 1, 21) and marker.seq == 2
    assert_store_is_a_rebuild(factory)
    # and a profile field used by the features marks the athlete from the start
    with database.open_session(factory) as session:
        session.execute(text("UPDATE athlete SET max_hr = 181 WHERE id = :a"), {"a": athlete})
        session.execute(text("UPDATE athlete SET name = 'B' WHERE id = :a"), {"a": athlete})
    assert _markers(factory)[athlete].from_date < dt.date(2000, 1, 1)
    assert_store_is_a_rebuild(factory)


def test_api_post_patch_delete_keep_the_store_a_rebuild(api: TestClient) -> None:
    factory = api.app.state.session_factory
    athlete = add_athlete(api.app, "Api")
    headers = add_user(api.app, username="api-athlete", role="athlete", athlete_id=athlete)
    _seed(factory, athlete)
    assert_store_is_a_rebuild(factory)
    base = f"/athletes/{athlete}"
    # POST a session, a check-in and an injury in the middle of the history
    created = api.post(f"{base}/sessions", json=RUN, headers=headers)
    assert created.status_code == 201, created.text
    checkin = {"date": "2025-01-20", "sleep_h": 4.0, "soreness": 4, "fatigue": 4}
    assert api.post(f"{base}/wellness", json=checkin, headers=headers).status_code in (200, 201)
    injury = {"start_date": "2025-02-01", "body_part": "ankle", "severity": "minor"}
    posted = api.post(f"{base}/injuries", json=injury, headers=headers)
    assert posted.status_code == 201
    assert set(_markers(factory)) == {athlete}
    assert_store_is_a_rebuild(factory)
    # PATCH and DELETE a check-in and the injury
    iid = posted.json()["id"]
    wid = api.get(f"{base}/wellness?from=2025-01-20&to=2025-01-20", headers=headers)
    wid = wid.json()["data"][0]["id"]
    assert api.patch(f"{base}/wellness/{wid}", json={"sleep_h": 9.0}, headers=headers).is_success
    end = {"end_date": "2025-02-04"}
    assert api.patch(f"{base}/injuries/{iid}", json=end, headers=headers).is_success
    assert_store_is_a_rebuild(factory)
    assert api.delete(f"{base}/wellness/{wid}", headers=headers).status_code == 204
    assert api.delete(f"{base}/injuries/{iid}", headers=headers).status_code == 204
    assert _markers(factory)[athlete].from_date == dt.date(2025, 1, 20)
    assert_store_is_a_rebuild(factory)
    # PATCH the session (a new day and duration), then DELETE it
    sid = created.json()["id"]
    patched = api.patch(
        f"{base}/sessions/{sid}", json={"date": "2025-01-15", "duration_min": 90}, headers=headers
    )
    assert patched.status_code == 200, patched.text
    assert _markers(factory)[athlete].from_date == dt.date(2025, 1, 15)
    assert_store_is_a_rebuild(factory)
    assert api.delete(f"{base}/sessions/{sid}", headers=headers).status_code == 204
    assert_store_is_a_rebuild(factory)


def test_web_form_posts_keep_the_store_a_rebuild(api: TestClient) -> None:
    factory = api.app.state.session_factory
    athlete = add_athlete(api.app, "Web")
    headers = add_user(api.app, username="web-athlete", role="athlete", athlete_id=athlete)
    _seed(factory, athlete)
    assert_store_is_a_rebuild(factory)
    api.cookies.set("cairn_session", headers["Authorization"].removeprefix("Bearer "))
    api.cookies.set("cairn_csrf", "test-csrf-token")
    form = {"date": "2025-01-31", "sleep_h": "5", "csrf_token": "test-csrf-token"}
    answer = api.post(f"/app/athletes/{athlete}/checkin", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert _markers(factory)[athlete].from_date == dt.date(2025, 1, 31)
    assert_store_is_a_rebuild(factory)


def test_cli_log_checkin_and_session_keep_the_store_a_rebuild(
    factory: sessionmaker[Session],
    db_url: str,
    tmp_path: Path,
    mlflow_template: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with database.open_session(factory) as session:
        athlete = logbook.create_athlete(session, data={"name": "Cli"}).id
    _seed(factory, athlete)
    assert_store_is_a_rebuild(factory)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(mlflow_template, data_dir / "mlflow.db")
    monkeypatch.setenv("CAIRN_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CAIRN_DATABASE_URL", db_url)
    runner = CliRunner()
    checkin = runner.invoke(
        cli_app,
        ["log", "checkin", "--athlete", str(athlete), "--date", "2025-02-05", "--sleep-h", "5"],
    )
    assert checkin.exit_code == 0, checkin.output
    assert athlete in _markers(factory)
    assert_store_is_a_rebuild(factory)
    run = runner.invoke(
        cli_app,
        ["log", "session", "--athlete", str(athlete), "--date", "2025-02-06"]
        + ["--type", "tempo", "--duration-min", "40", "--rpe", "7"],
    )
    assert run.exit_code == 0, run.output
    assert _markers(factory)[athlete].from_date == dt.date(2025, 2, 6)
    assert_store_is_a_rebuild(factory)


@pytest.mark.parametrize(
    "sample", ["cairn-sessions.csv", "cairn-wellness.csv", "hill-run.fit", "hill-run.gpx"]
)
def test_imports_keep_the_store_a_rebuild(factory: sessionmaker[Session], sample: str) -> None:
    with database.open_session(factory) as session:
        athlete = logbook.create_athlete(session, data={"name": "Imp"}).id
    _seed(factory, athlete)
    assert_store_is_a_rebuild(factory)
    result = import_path(
        factory,
        path=SAMPLES / sample,
        label=sample,
        options=ImportOptions(athlete_id=athlete),
        today=dt.date(2030, 1, 1),
    )
    assert result.status != "failed", result.error
    assert sum(result.imported.values()) > 0
    assert _markers(factory) == {}  # the import refreshed its athlete once committed
    assert_store_is_a_rebuild(factory)


def test_saved_cohort_then_a_second_one_keep_the_store_a_rebuild(
    factory: sessionmaker[Session],
) -> None:
    start = dt.date(2025, 3, 1)
    with database.open_session(factory) as session:
        save_cohort(session, simulate_cohort(n_athletes=3, n_days=60, seed=1, start=start), seed=1)
    assert len(_markers(factory)) == 3
    assert_store_is_a_rebuild(factory)
    with database.open_session(factory) as session:
        save_cohort(session, simulate_cohort(n_athletes=2, n_days=30, seed=2, start=start), seed=2)
    assert_store_is_a_rebuild(factory)


def test_closed_loop_store_writes_keep_the_store_a_rebuild(db_url: str) -> None:
    from engine.evaluation.loop_store import LoopStore
    from tests.engine.evaluation.test_loop_store import _warm_cohort, _with_injured

    # given the closed loop's store on the parametrised database, built once
    sim = _warm_cohort()
    store = LoopStore(sim.history(), seed=4, database_url=db_url)
    try:
        assert_store_is_a_rebuild(store.factory)
        # when it observes an injury and a check-in, and records a day's training
        store.observe(_with_injured(sim.observe(), {2}))
        store.record(sim.step(pd.DataFrame({"athlete_id": [1, 3], "kind": ["run", "run"]})))
        store.observe(sim.observe())
        # then every athlete it touched is marked, and the refreshed store is a rebuild
        assert set(_markers(store.factory)) == set(store.store_id.values())
        assert_store_is_a_rebuild(store.factory)
    finally:
        store.close()
