"""Optuna search with nested MLflow runs, and the PMData evaluation (slow: real fits)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.evaluation.experiment import run_experiment
from engine.evaluation.pmdata import default_pmdata_path
from engine.services.training import load_feature_table, tracking_store
from engine.settings import Settings
from engine.store import database
from models import tracking
from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.slow


def test_experiment_logs_each_trial_as_a_nested_run(trained_settings: Settings) -> None:
    engine = database.make_engine(trained_settings.database_url)
    with database.open_session(database.make_session_factory(engine)) as session:
        frame = load_feature_table(session)
    engine.dispose()
    report = run_experiment(
        frame, trained_settings, target="readiness", n_trials=3, today=dt.date(2025, 9, 1)
    )
    assert set(report.best_params) >= {"num_leaves", "min_child_samples", "learning_rate"}
    assert len(report.trials) == 3 and report.holdout["mae"] > 0
    from mlflow import MlflowClient

    store = tracking_store(trained_settings)
    client = MlflowClient(tracking_uri=store.tracking_uri)
    parent = client.get_run(report.parent_run_id)
    children = client.search_runs(
        [parent.info.experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{report.parent_run_id}'",
    )
    assert len(children) == 3
    assert all("val_mae" in c.data.metrics for c in children)
    assert parent.data.metrics["best_val_mae"] == pytest.approx(report.best_validation)
    assert tracking.read_run_metrics(store, run_id=report.parent_run_id)["holdout_mae"] > 0


@pytest.mark.skipif(
    not (SHARED_DATA / "pmdata").exists(), reason="PMData not present in ../shared/data"
)
def test_evaluate_pmdata_json_contract(tmp_path) -> None:  # noqa: ANN001
    runner = CliRunner(env={"CAIRN_DATA_DIR": str(tmp_path / "data")})
    folder = default_pmdata_path(SHARED_DATA.parent.parent / "main")
    result = runner.invoke(
        app, ["evaluate", "--dataset", "pmdata", "--path", str(folder), "--json"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    readiness, injury = body["readiness"], body["injury"]
    assert set(readiness) >= {"mae", "n", "scale", "baselines", "best_baseline", "diff_ci"}
    assert readiness["scale"] == "0-10" and readiness["label"] == "self"
    assert set(readiness["baselines"]) >= {"persistence", "ewma", "ewma_rounded"}
    # honest labels: only days with a self-report today and tomorrow, after the cut-off
    assert readiness["n"] == 335
    assert readiness["mae"] <= readiness["baselines"]["ewma_rounded"]
    low, high = readiness["diff_ci"]
    assert low <= high
    assert set(injury) >= {"roc_auc", "pr_auc", "brier", "n_events", "baselines", "diff_ci"}
    assert 0 <= injury["roc_auc"] <= 1 and injury["n_events"] > 0
