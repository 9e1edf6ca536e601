"""The command line's copy of the champions: served while the registry is unchanged, never after."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from engine.services import champion_cache
from engine.services.serving import load_champions
from engine.services.training import tracking_store
from engine.settings import Settings
from models import tracking
from pipelines.columns import FEATURE_COLUMNS


def _row() -> np.ndarray:
    return np.full((1, len(FEATURE_COLUMNS)), 1.0)


def test_copy_serves_the_registry_champions_until_the_registry_changes(
    trained_settings: Settings,
) -> None:
    # given no copy yet: the first load goes to the registry and leaves a copy
    assert champion_cache.read_cached(trained_settings) is None
    first = champion_cache.load_served_champions(trained_settings)
    copy = champion_cache.read_cached(trained_settings)
    # then the copy is the registry's champions: same versions, source, predictions
    registry = load_champions(trained_settings)
    assert copy is not None and first.available
    assert copy.versions == registry.versions and copy.source == registry.source
    frame = pd.DataFrame(_row(), columns=list(FEATURE_COLUMNS))
    assert np.array_equal(copy.readiness.predict(frame), registry.readiness.predict(frame))
    assert np.array_equal(copy.injury.predict_proba(frame), registry.injury.predict_proba(frame))
    # when anything is written to the registry (here a version tag)
    name = trained_settings.readiness_model_name
    version = registry.versions[name]
    assert version is not None
    tracking.set_version_tag(
        tracking_store(trained_settings), name=name, version=version, key="note", value="x"
    )
    # then the copy is no longer served, and the next load writes a fresh one
    assert champion_cache.read_cached(trained_settings) is None
    champion_cache.load_served_champions(trained_settings)
    assert champion_cache.read_cached(trained_settings) is not None


def test_a_copy_others_could_write_is_never_loaded(trained_settings: Settings) -> None:
    champion_cache.load_served_champions(trained_settings)
    folder = trained_settings.data_dir / champion_cache.CACHE_DIR
    pickles = sorted(folder.glob("*.pickle"))
    assert pickles and all(p.stat().st_mode & 0o077 == 0 for p in pickles)
    os.chmod(pickles[0], 0o666)
    assert champion_cache.read_cached(trained_settings) is None


def test_a_tracking_server_is_always_read_through_mlflow(tmp_path) -> None:  # noqa: ANN001
    settings = Settings(
        data_dir=tmp_path,
        mlflow_tracking_uri="http://127.0.0.1:9/",
        mlflow_registry_uri="http://127.0.0.1:9/",
    )
    assert champion_cache.registry_stamp(settings) is None
    assert champion_cache.read_cached(settings) is None


@pytest.mark.parametrize("junk", [b"{not json", b'{"stamp": [1, 2]}'])
def test_a_broken_copy_costs_only_the_slow_path(trained_settings: Settings, junk: bytes) -> None:
    champion_cache.load_served_champions(trained_settings)
    meta = trained_settings.data_dir / champion_cache.CACHE_DIR / champion_cache.META
    meta.write_bytes(junk)
    assert champion_cache.read_cached(trained_settings) is None
    assert champion_cache.load_served_champions(trained_settings).available
