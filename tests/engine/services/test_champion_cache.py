"""The CLI's local copy of the champions: served while the registry is unchanged, refreshed
through MLflow after any change (a promotion moves the alias)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from engine.coach.scoring import candidate_feature_matrix
from engine.optimizer.catalogue import enumerate_candidates
from engine.services import model_registry
from engine.services.champion_cache import CACHE_DIR, load_champions_cached
from engine.services.feature_store import read_morning_features
from engine.services.serving import load_champions
from engine.settings import Settings
from engine.store import database
from models.estimators import fast_scorer
from tests.conftest import TRAINED_END
from tests.model_helpers import register_copy_of_champion


def _scores(models, matrix: np.ndarray) -> np.ndarray:  # noqa: ANN001
    return np.concatenate(
        [fast_scorer(models.readiness)(matrix), fast_scorer(models.injury)(matrix)]
    )


def test_the_cached_champions_score_like_mlflows_until_the_registry_changes(
    trained_settings: Settings,
) -> None:
    factory = database.make_session_factory(database.make_engine(trained_settings.database_url))
    today = dt.date.fromisoformat(TRAINED_END) - dt.timedelta(days=1)
    with database.open_session(factory) as session:
        rows = read_morning_features(session, athlete_id=2, today=today, days=30)
    matrix = candidate_feature_matrix(rows.tail(1).reset_index(drop=True), enumerate_candidates())
    reference = load_champions(trained_settings)
    first = load_champions_cached(trained_settings)  # through MLflow, writes the copy
    meta = trained_settings.data_dir / CACHE_DIR / "champions.json"
    assert meta.exists()
    written = meta.stat().st_mtime_ns
    second = load_champions_cached(trained_settings)  # from the copy
    assert meta.stat().st_mtime_ns == written
    assert first.versions == second.versions == reference.versions
    np.testing.assert_array_equal(_scores(second, matrix), _scores(reference, matrix))
    new = register_copy_of_champion(trained_settings, target="readiness")
    name = trained_settings.readiness_model_name
    model_registry.promote(trained_settings, name=name, version=new, reason="test")
    third = load_champions_cached(trained_settings)
    assert third.versions[name] == new != second.versions[name]
    assert meta.stat().st_mtime_ns != written
