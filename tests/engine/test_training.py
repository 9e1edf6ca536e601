"""Training, registration and the champion/challenger decision on a real MLflow store."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from engine import database
from engine.settings import Settings
from engine.training import tracking_store, train_and_register
from models import tracking
from tests.conftest import TRAINED_END


def test_retrain_on_same_data_keeps_champion(trained_settings: Settings) -> None:
    # Given a store whose champions are v1, when we retrain on the same data with the same seed,
    # then v2 becomes challenger and the champion stays v1 (it is not better).
    engine = database.make_engine(trained_settings.database_url)
    factory = database.make_session_factory(engine)
    with database.open_session(factory) as session:
        report = train_and_register(
            session, trained_settings, today=dt.date.fromisoformat(TRAINED_END)
        )
    store = tracking_store(trained_settings)
    for outcome in report.outcomes:
        assert outcome.version == 2 and not outcome.promoted
        assert tracking.read_alias_version(store, name=outcome.name, alias="champion") == 1
        assert tracking.read_alias_version(store, name=outcome.name, alias="challenger") == 2
        assert "does not beat" in outcome.reason


def test_first_training_logs_baselines(trained_settings: Settings) -> None:
    store = tracking_store(trained_settings)
    for name in ("cairn-readiness", "cairn-injury"):
        (version,) = tracking.list_model_versions(store, name=name)
        assert version["aliases"] == ["challenger", "champion"]
        assert any("baseline" in key for key in version["metrics"])


SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "activity-samples"


@pytest.fixture
def data_dir(trained_settings: Settings) -> Path:
    return trained_settings.data_dir


@pytest.mark.skipif(not SAMPLES.exists(), reason="activity samples not present")
def test_train_json_survives_a_real_2013_fit_file(cairn, trained_settings: Settings) -> None:  # noqa: ANN001
    # Given the trained cohort plus a real Garmin run from 2013 for athlete 1
    fit = SAMPLES / "fit" / "2013-02-06-12-11-14.fit"
    assert cairn("import", str(fit), "--athlete", "1").exit_code == 0
    # When training again with --json
    result = cairn("train", "--json")
    # Then it exits 0 with one entry per target in the documented shape
    assert result.exit_code == 0, result.output
    rows = {
        row["target"]: row for row in json.loads(result.stdout.strip().splitlines()[-1])["targets"]
    }
    keys = {"target", "metric", "family", "value", "served_metric", "baselines", "best_baseline"}
    keys |= {"diff_ci", "promoted", "served_version"}
    for target, row in rows.items():
        assert set(row) == keys, target
        best = row["baselines"][row["best_baseline"]]
        # the served model is at least as good as the strongest baseline on the same holdout
        if row["metric"] == "mae":
            assert row["served_metric"] <= best
        else:
            assert row["served_metric"] >= best
        assert row["served_version"] is not None and len(row["diff_ci"]) == 2
