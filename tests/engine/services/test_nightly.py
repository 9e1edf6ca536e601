"""The nightly batch: every athlete's store rows up to the day and scored morning; Spark and
the local engine give the same store and the same scores."""

from __future__ import annotations

import datetime as dt
import shutil

import numpy as np
import pandas as pd
import pytest

from engine.coach.batch import batch_candidates, score_mornings
from engine.services import feature_store, nightly
from engine.services.serving import load_champions
from engine.services.simulation import save_cohort
from engine.settings import Settings
from engine.store import database, logbook
from pipelines.feature_rows import stored_columns
from pipelines.features import build_daily_features
from pipelines.simulator.cohort import simulate_cohort
from tests.conftest import TRAINED_END

DAY = dt.date.fromisoformat(TRAINED_END) + dt.timedelta(days=2)  # two days after the last log


def _factory(settings: Settings):  # noqa: ANN202
    return database.make_session_factory(database.make_engine(settings.database_url))


def _read(settings: Settings) -> tuple[pd.DataFrame, dict[int, dict]]:
    with database.open_session(_factory(settings)) as session:
        return feature_store.read_features(session), nightly.read_scores(session, day=DAY)


def test_local_nightly_extends_the_store_and_scores_every_morning(
    trained_settings: Settings,
) -> None:
    models = load_champions(trained_settings)
    with database.open_session(_factory(trained_settings)) as session:
        report = nightly.run_nightly(session, day=DAY, models=models, engine="local")
    rows, scores = _read(trained_settings)
    assert report.athletes == len(scores) == rows["athlete_id"].nunique() == 30
    assert (rows.groupby("athlete_id")["date"].max() == pd.Timestamp(DAY)).all()
    with database.open_session(_factory(trained_settings)) as session:
        sessions, wellness, injuries = logbook.read_log_frames(session)
        rebuilt = build_daily_features(
            sessions,
            wellness,
            injuries,
            until=DAY,
            athlete_ids=sorted(scores),
            athletes=feature_store.feature_days.read_profiles(session),
            sets=logbook.read_set_frame(session),
        )
    np.testing.assert_allclose(
        rows[list(stored_columns())].to_numpy(float),
        rebuilt[list(stored_columns())].to_numpy(float),
        rtol=1e-9,
        atol=1e-9,
        equal_nan=True,
    )
    expected = score_mornings(rebuilt, day=DAY, models=models)
    first = scores[1]["candidates"]
    assert len(first) == len(batch_candidates())
    mine = expected[expected["athlete_id"] == 1]
    np.testing.assert_allclose([c["readiness"] for c in first], mine["readiness"], atol=1e-5)
    np.testing.assert_allclose([c["injury_risk"] for c in first], mine["injury_risk"], atol=1e-7)
    assert 0 <= min(c["injury_risk"] for c in first) <= max(c["injury_risk"] for c in first) <= 1


def test_nightly_refuses_an_unknown_engine(trained_settings: Settings) -> None:
    with (
        database.open_session(_factory(trained_settings)) as session,
        pytest.raises(ValueError, match="engine must be one of"),
    ):
        nightly.run_nightly(session, day=DAY, models=load_champions(trained_settings), engine="x")


@pytest.mark.slow
def test_spark_and_local_nightly_give_the_same_store_for_50_athletes(
    trained_settings: Settings, tmp_path
) -> None:  # noqa: ANN001
    end = dt.date.fromisoformat(TRAINED_END)
    cohort = simulate_cohort(n_athletes=20, n_days=120, seed=21, start=end - dt.timedelta(120))
    with database.open_session(_factory(trained_settings)) as session:
        save_cohort(session, cohort, seed=21)
    spark_dir = tmp_path / "spark-data"
    shutil.copytree(trained_settings.data_dir, spark_dir)
    on_spark = Settings(data_dir=spark_dir)
    models = load_champions(trained_settings)
    with database.open_session(_factory(trained_settings)) as session:
        nightly.run_nightly(session, day=DAY, models=models, engine="local")
    with database.open_session(_factory(on_spark)) as session:
        report = nightly.run_nightly(
            session, day=DAY, models=models, engine="spark", master="local[2]"
        )
    assert report.athletes == 50
    local_rows, local_scores = _read(trained_settings)
    spark_rows, spark_scores = _read(on_spark)
    assert len(local_rows) == len(spark_rows) > 50 * 120
    assert (local_rows[["athlete_id", "date"]] == spark_rows[["athlete_id", "date"]]).all().all()
    np.testing.assert_allclose(
        local_rows[list(stored_columns())].to_numpy(float),
        spark_rows[list(stored_columns())].to_numpy(float),
        rtol=1e-9,
        atol=1e-9,
        equal_nan=True,
    )
    assert sorted(local_scores) == sorted(spark_scores) and len(local_scores) == 50
    for athlete, result in local_scores.items():
        assert result == spark_scores[athlete]
