"""The nightly batch: every athlete's stored rows brought up to date and their morning scored;
Spark and the local engine give the same store and the same scores."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.orm import Session, sessionmaker

from engine.coach.batch import batch_candidates, day_rows, score_mornings
from engine.services import feature_store, nightly
from engine.services.serving import load_champions
from engine.services.simulation import save_cohort
from engine.settings import Settings
from engine.store import database, feature_days, logbook
from pipelines.features import build_daily_features
from pipelines.simulator.cohort import simulate_cohort
from tests.conftest import TRAINED_END

DAY = dt.date.fromisoformat(TRAINED_END) + dt.timedelta(days=2)  # two days after the last log


def _factory(settings: Settings) -> sessionmaker[Session]:
    return database.make_session_factory(database.make_engine(settings.database_url))


def _read(settings: Settings) -> tuple[pd.DataFrame, dict[int, dict]]:
    with database.open_session(_factory(settings)) as session:
        return feature_store.read_features(session), nightly.read_scores(session, day=DAY)


def test_local_nightly_refreshes_the_store_and_scores_every_morning(
    trained_settings: Settings,
) -> None:
    # given the trained cohort (never refreshed) and its champions
    models = load_champions(trained_settings)
    factory = _factory(trained_settings)
    # when the nightly batch runs for two days after the last log
    report = nightly.run_nightly(factory, day=DAY, models=models, engine="local")
    rows, scores = _read(trained_settings)
    # then every athlete is stored (as a full rebuild) and scored
    assert report.athletes == len(scores) == rows["athlete_id"].nunique() == 30
    with database.open_session(factory) as session:
        assert feature_days.read_markers(session) == []
        sessions, wellness, injuries = logbook.read_log_frames(session)
        kwargs = {
            "athletes": logbook.read_athletes_frame(session),
            "sets": logbook.read_set_frame(session),
        }
    rebuilt = build_daily_features(sessions, wellness, injuries, **kwargs)
    pd.testing.assert_frame_equal(rows, rebuilt[list(rows.columns)], check_exact=True)
    # and the scores are those of the rows continued to DAY (as a build up to DAY gives)
    upto = build_daily_features(
        sessions, wellness, injuries, until=DAY, athlete_ids=sorted(scores), **kwargs
    )
    continued = day_rows(rows, day=DAY, sessions=sessions, wellness=wellness,
                         injuries=injuries, **kwargs)  # fmt: skip
    at_day = upto[upto["date"] == pd.Timestamp(DAY)].reset_index(drop=True)
    np.testing.assert_allclose(
        continued.drop(columns="date").to_numpy(float),
        at_day[list(continued.columns)].drop(columns="date").to_numpy(float),
        rtol=1e-9,
        equal_nan=True,
    )
    expected = score_mornings(at_day, day=DAY, models=models)
    first = scores[1]["candidates"]
    assert len(first) == len(batch_candidates())
    mine = expected[expected["athlete_id"] == 1]
    np.testing.assert_allclose([c["readiness"] for c in first], mine["readiness"], atol=1e-5)
    np.testing.assert_allclose([c["injury_risk"] for c in first], mine["injury_risk"], atol=1e-7)


def test_nightly_refuses_an_unknown_engine(trained_settings: Settings) -> None:
    with pytest.raises(ValueError, match="engine must be one of"):
        nightly.run_nightly(
            _factory(trained_settings),
            day=DAY,
            models=load_champions(trained_settings),
            engine="x",
        )


@pytest.mark.slow
def test_spark_and_local_nightly_give_the_same_store_and_scores_for_50_athletes(
    trained_settings: Settings, tmp_path: Path
) -> None:
    # given 50 athletes (the trained 30 plus 20 more), copied into a second data dir
    end = dt.date.fromisoformat(TRAINED_END)
    cohort = simulate_cohort(n_athletes=20, n_days=120, seed=21, start=end - dt.timedelta(120))
    with database.open_session(_factory(trained_settings)) as session:
        save_cohort(session, cohort, seed=21)
    spark_dir = tmp_path / "spark-data"
    shutil.copytree(trained_settings.data_dir, spark_dir)
    on_spark = Settings(data_dir=spark_dir)
    models = load_champions(trained_settings)
    # when the local engine runs on one and Spark (local[2]) on the other
    nightly.run_nightly(_factory(trained_settings), day=DAY, models=models, engine="local")
    report = nightly.run_nightly(
        _factory(on_spark), day=DAY, models=models, engine="spark", master="local[2]"
    )
    # then the stores and the scores are the same
    assert report.athletes == 50
    local_rows, local_scores = _read(trained_settings)
    spark_rows, spark_scores = _read(on_spark)
    assert len(local_rows) > 50 * 120
    pd.testing.assert_frame_equal(local_rows, spark_rows, check_exact=True)
    assert sorted(local_scores) == sorted(spark_scores) and len(local_scores) == 50
    for athlete, result in local_scores.items():
        assert result == spark_scores[athlete]
    with database.open_session(_factory(on_spark)) as session:
        assert feature_days.read_markers(session) == []


@pytest.mark.parametrize(
    ("n", "groups", "largest"), [(1, 1, 1), (10, 4, 3), (800, 4, 200), (1001, 6, 167)]
)
def test_spark_buckets_are_runs_of_consecutive_athletes(n: int, groups: int, largest: int) -> None:
    from engine.services.nightly_spark import buckets_of

    # given sparse athlete ids, asked for in any order
    ids = list(range(7, 7 + 3 * n, 3))
    shuffled = np.random.default_rng(0).permutation(ids)
    # then each bucket is a run of consecutive ids, about the same size, at least 4 of them
    buckets = buckets_of(ids, shuffled)
    by_id = dict(zip(shuffled.tolist(), buckets.tolist(), strict=True))
    in_order = [by_id[a] for a in ids]
    assert in_order == sorted(in_order) and in_order[0] == 0
    assert len(set(in_order)) == groups
    assert max(np.bincount(in_order)) == largest
