"""A model from day one: population champions from a simulated cohort outside the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.services.model_registry import tracking_store
from engine.services.population import ensure_population_models
from engine.services.serving import POPULATION, champion_source, load_champions
from engine.settings import Settings
from engine.store import database
from engine.store.tables import Athlete
from models import tracking
from tests.conftest import SHARED_DATA

SAMPLES = SHARED_DATA / "activity-samples"


def test_population_models_become_champions_once(settings: Settings) -> None:
    # Given an empty store, when the population models are ensured (a small cohort here)
    first = ensure_population_models(settings, n_athletes=8, n_days=150)
    # Then both targets are served from version 1, labelled as population models
    assert {o.target for o in first.outcomes} | set(first.skipped) == {"readiness", "injury"}
    models = load_champions(settings)
    served = {k: v for k, v in models.versions.items() if v is not None}
    assert served and set(served.values()) == {1}
    assert champion_source(settings, versions=models.versions) == POPULATION
    # and a second call fits nothing (the registered versions are the cache)
    assert ensure_population_models(settings, n_athletes=8, n_days=150).outcomes == []
    store = tracking_store(settings)
    for outcome in first.outcomes:
        assert len(tracking.list_model_versions(store, name=outcome.name)) == 1


@pytest.fixture
def data_dir(settings: Settings) -> Path:
    return settings.data_dir


@pytest.mark.slow
@pytest.mark.skipif(not SAMPLES.exists(), reason="activity samples not present")
def test_solo_runner_gets_a_real_answer_on_day_one(cairn, settings: Settings, tmp_path) -> None:  # noqa: ANN001
    created = cairn("athletes", "create", "--name", "me", "--experience-years", "4")
    assert created.exit_code == 0, created.output
    athlete = created.stdout.strip()
    files = [SAMPLES / "fit" / "garmin.fit", SAMPLES / "strength" / "strong.csv"]
    assert cairn("import", *map(str, files), "--athlete", athlete).exit_code == 0
    checkin = tmp_path / "checkin.csv"
    import datetime as dt

    checkin.write_text(f"date,sleep_h,readiness\n{dt.date.today().isoformat()},7.5,7\n")
    assert cairn("import", str(checkin), "--athlete", athlete).exit_code == 0
    result = cairn("recommend", "--athlete", athlete, "--json")
    body = json.loads(result.stdout[result.stdout.index("{") :])
    assert body["degraded"] is False and body["model_source"] == "population"
    engine = database.make_engine(settings.database_url)
    with database.open_session(database.make_session_factory(engine)) as session:
        assert session.scalar(select(func.count()).select_from(Athlete)) == 1
    engine.dispose()
