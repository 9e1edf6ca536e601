"""MLflow tracking and registry against a real SQLite-backed store in a temp dir."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models import tracking
from models.estimators import TRUSTED_TYPES, make_readiness_model


@pytest.fixture
def store(tmp_path: Path, mlflow_template: Path) -> tracking.TrackingStore:
    db = tmp_path / "mlflow.db"
    db.write_bytes(mlflow_template.read_bytes())
    uri = f"sqlite:///{db}"
    return tracking.TrackingStore(uri, uri, tmp_path / "artifacts")


def _fitted() -> tuple[object, pd.DataFrame]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})  # noqa: N806
    y = 50 + 10 * X["a"] + rng.normal(size=200)
    model = make_readiness_model(["a", "b"], params={"n_estimators": 20}).fit(X, y)
    return model, X


def test_log_model_run_registers_and_loads_by_alias(store: tracking.TrackingStore) -> None:
    model, X = _fitted()  # noqa: N806
    logged = tracking.log_model_run(
        store,
        experiment="exp",
        run_name="r1",
        model=model,
        params={"p": 1},
        metrics={"mae": 1.5, "baseline_mae": 2.0},
        X_example=X,
        train_frame=X,
        registered_name="m",
        trusted_types=TRUSTED_TYPES,
    )
    assert logged.version == 1
    tracking.set_alias(store, name="m", alias="champion", version=1)
    loaded = tracking.load_model(store, name="m", alias="champion")
    np.testing.assert_allclose(loaded.predict(X.to_numpy()), model.predict(X))
    assert tracking.read_alias_version(store, name="m", alias="champion") == 1
    versions = tracking.list_model_versions(store, name="m")
    assert versions[0]["aliases"] == ["champion"]
    assert versions[0]["metrics"]["baseline_mae"] == 2.0
    assert (store.artifact_root / "exp").is_dir()


def test_read_alias_version_missing_is_none(store: tracking.TrackingStore) -> None:
    assert tracking.read_alias_version(store, name="nope", alias="champion") is None
