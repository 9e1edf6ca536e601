"""``cairn evaluate --source db``: fit before a cut-off, score after it, on any stored data."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from engine.services.model_registry import tracking_store
from engine.services.simulation import save_cohort
from engine.settings import Settings
from engine.store import database
from models import tracking
from pipelines.simulator.cohort import simulate_cohort

END = dt.date(2025, 3, 1)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, mlflow_template: Path) -> Path:
    import shutil

    folder = tmp_path_factory.mktemp("dbeval") / "data"
    folder.mkdir()
    shutil.copy(mlflow_template, folder / "mlflow.db")
    settings = Settings(data_dir=folder)
    engine = database.make_engine(settings.database_url)
    database.migrate_database(engine)
    cohort = simulate_cohort(n_athletes=6, n_days=150, seed=11, start=END - dt.timedelta(days=150))
    with database.open_session(database.make_session_factory(engine)) as session:
        save_cohort(session, cohort, seed=11)
    engine.dispose()
    return folder


@pytest.mark.slow
def test_evaluate_db_json_contract_and_mlflow_run(cairn, data_dir: Path) -> None:  # noqa: ANN001
    result = cairn("evaluate", "--source", "db", "--cutoff", "2025-01-15", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout.strip().splitlines()[-1])
    readiness, injury = body["readiness"], body["injury"]
    assert set(readiness) >= {"mae", "n", "scale", "baselines", "best_baseline", "diff_ci"}
    assert readiness["scale"] == "0-10" and 0 < readiness["mae"] < 10
    assert set(readiness["baselines"]) >= {"persistence", "ewma", "ewma_rounded"}
    assert readiness["best_baseline"] != readiness["family"]
    assert "skipped" in injury or set(injury) >= {"roc_auc", "pr_auc", "brier", "n_events"}
    assert body["split"]["cutoff"] == "2025-01-15"
    store = tracking_store(Settings(data_dir=data_dir))
    runs = tracking._client(store).search_runs(
        [tracking._client(store).get_experiment_by_name("cairn-evaluation").experiment_id]
    )
    artifacts = {a.path for a in tracking._client(store).list_artifacts(runs[0].info.run_id)}
    assert {"results.json", "residuals.png"} <= artifacts
    assert runs[0].data.metrics["readiness_mae"] == pytest.approx(readiness["mae"])


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["--cutoff", "2025-13-01"], 2, "--cutoff"),
        (["--cutoff", "2025-01-15", "--test-fraction", "0.2"], 2, "not both"),
        (["--test-fraction", "1.5"], 2, "--test-fraction"),
        (["--athletes", "x,y"], 2, "--athletes"),
        (["--athletes", "99"], 1, "athlete(s) [99]"),
    ],
)
def test_evaluate_db_bad_input_names_the_option(
    cairn,
    data_dir: Path,
    args: list[str],
    code: int,
    needle: str,  # noqa: ANN001
) -> None:
    result = cairn("evaluate", "--source", "db", *args)
    assert result.exit_code == code
    assert needle in result.output and "Traceback" not in result.output
