"""The multi-user MLflow setup (docs/operations.md): a tracking server whose backend store is
PostgreSQL; Cairn trains, registers, promotes and loads the champions through it."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from engine.services.serving import load_champions
from engine.services.simulation import save_cohort
from engine.services.training import train_and_register
from engine.settings import Settings
from engine.store import database
from pipelines.simulator.cohort import simulate_cohort


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_training_against_a_tracking_server_on_postgresql(
    postgres_url: str, tmp_path: Path
) -> None:
    # given `mlflow server` with its backend store on PostgreSQL (its own schema)
    port = _free_port()
    mlflow = Path(sys.executable).with_name("mlflow")
    server = subprocess.Popen(
        [str(mlflow), "server", "--host", "127.0.0.1", "--port", str(port),
         "--backend-store-uri", postgres_url,
         "--artifacts-destination", str(tmp_path / "artifacts"), "--workers", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "mlflow server did not start"
            time.sleep(0.5)
        data_dir = tmp_path / "data"
        data_dir.mkdir()
        settings = Settings(data_dir=data_dir, mlflow_tracking_uri=base)
        factory = database.make_session_factory(database.make_engine(settings.database_url))
        database.migrate_database(factory.kw["bind"])
        end = dt.date(2025, 9, 1)
        cohort = simulate_cohort(
            n_athletes=20, n_days=200, seed=4, start=end - dt.timedelta(days=200)
        )
        with database.open_session(factory) as session:
            save_cohort(session, cohort, seed=4)
        # when both models are trained and registered through the server
        with database.open_session(factory) as session:
            report = train_and_register(session, settings, today=end)
        # then the champions load back through the server, from any process with its URL
        assert report.outcomes, report.skipped
        models = load_champions(settings)
        assert models.available, models.degraded_reason
        assert set(models.versions.values()) == {1}
        # and the registry lives in PostgreSQL
        backend = create_engine(postgres_url)
        with backend.connect() as conn:
            names = conn.execute(text("SELECT name FROM registered_models")).scalars().all()
        backend.dispose()
        assert sorted(names) == sorted(models.versions)
    finally:
        server.terminate()
        server.wait(timeout=30)
