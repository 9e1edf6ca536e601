"""Training, registration and the champion/challenger decision on a real MLflow store."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from engine.services.training import tracking_store, train_and_register
from engine.settings import Settings
from engine.store import database
from models import tracking
from tests.conftest import SHARED_DATA, TRAINED_END


@pytest.mark.slow  # a second full training run on the trained cohort
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


SAMPLES = SHARED_DATA / "activity-samples"


@pytest.fixture
def data_dir(trained_settings: Settings) -> Path:
    return trained_settings.data_dir


@pytest.mark.slow  # a full training run with every model family
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


def test_models_compare_prints_two_versions_side_by_side(cairn, trained_settings: Settings) -> None:  # noqa: ANN001
    from tests.model_helpers import register_copy_of_champion

    v2 = register_copy_of_champion(trained_settings, target="injury")
    result = cairn("models", "compare", "1", str(v2), "--target", "injury", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert set(body["versions"]) == {"1", str(v2)}
    assert "roc_auc" in body["versions"]["1"]["metrics"]
    assert any(k.startswith("baseline_") for k in body["versions"]["1"]["metrics"])
    missing = cairn("models", "compare", "1", "99", "--target", "injury")
    assert missing.exit_code == 1 and "no version(s) [99]" in missing.output


@pytest.mark.slow
def test_train_params_from_a_logged_run_retrains_that_target(
    cairn,
    trained_settings: Settings,  # noqa: ANN001
) -> None:
    # Given a search's parent run (as ``cairn experiment`` logs it: best_<name> parameters)
    store = tracking_store(trained_settings)
    run_id = tracking.start_parent_run(
        store,
        experiment="cairn-readiness",
        run_name="search",
        params={"target": "readiness", "best_n_estimators": 30, "best_num_leaves": 7},
    )
    tracking.end_run(store, run_id=run_id)
    result = cairn("train", "--params-from", run_id, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout.strip().splitlines()[-1])["targets"]
    assert [r["target"] for r in rows] == ["readiness"]
    new = tracking.list_model_versions(store, name="cairn-readiness")[-1]
    assert tracking.read_run_params(store, run_id=new["run_id"])["params_from"] == run_id
    bad = cairn("train", "--params-from", "nope")
    assert bad.exit_code == 2 and "--params-from" in bad.output
