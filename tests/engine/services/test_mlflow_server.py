"""Several users, one registry: a real MLflow tracking server on PostgreSQL (slow: it starts one).

The embedded default (SQLite + a local artifact folder per data dir) serves one machine. For a
team, ``mlflow server --backend-store-uri postgresql+psycopg://... --serve-artifacts`` holds the
runs and the registry, and every Cairn installation points ``CAIRN_MLFLOW_TRACKING_URI`` at it
(docs/operations.md). Checked here end to end: one user's registration is another's champion,
artifacts live on the server, and the command line's local model copy is never used.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from engine.services import champion_cache
from engine.services.population import ensure_population_models
from engine.services.serving import champion_versions, load_champions
from engine.services.simulation import save_cohort
from engine.services.training import train_and_register
from engine.settings import Settings
from engine.store import database
from pipelines.simulator.cohort import simulate_cohort

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(postgres_url: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``mlflow server`` on a fresh PostgreSQL schema with proxied artifacts in a temp dir."""
    artifacts = tmp_path / "server-artifacts"
    port = _free_port()
    log = (tmp_path / "mlflow-server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", postgres_url,
         "--artifacts-destination", str(artifacts), "--serve-artifacts",
         "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                pytest.fail(f"mlflow server exited: {(tmp_path / 'mlflow-server.log').read_text()}")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("mlflow server did not answer /health within 120 s")
            time.sleep(0.5)
        yield url, artifacts
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _user(tmp_path: Path, name: str, url: str) -> Settings:
    data_dir = tmp_path / name
    data_dir.mkdir()
    return Settings(data_dir=data_dir, mlflow_tracking_uri=url, mlflow_registry_uri=url)


def test_one_users_registration_is_every_users_champion(
    server: tuple[str, Path], tmp_path: Path
) -> None:
    url, artifacts = server
    alice, bob = _user(tmp_path, "alice", url), _user(tmp_path, "bob", url)
    # given alice's installation registers the day-one models on the shared server
    outcomes = ensure_population_models(alice).outcomes
    assert {o.target for o in outcomes} == {"readiness", "injury"}
    # then bob, with his own empty data dir, serves the same champions
    served = load_champions(bob)
    assert served.available and served.source == "population"
    assert served.versions == champion_versions(alice)
    # and nothing is left to register for bob
    assert ensure_population_models(bob).outcomes == []
    # the artifacts are on the server, not in either data dir
    assert any(artifacts.rglob("*.skops"))
    assert not any((alice.data_dir).rglob("*.skops"))
    # and the command line never serves a local copy of a server's models
    assert champion_cache.registry_stamp(bob) is None
    assert champion_cache.load_served_champions(bob).versions == served.versions
    assert not (bob.data_dir / champion_cache.CACHE_DIR).exists()


def test_training_through_the_server_keeps_the_registry_in_postgresql(
    server: tuple[str, Path], postgres_url: str, tmp_path: Path
) -> None:
    url, _ = server
    settings = _user(tmp_path, "coach", url)
    factory = database.make_session_factory(database.make_engine(settings.database_url))
    database.migrate_database(factory.kw["bind"])
    end = dt.date(2025, 9, 1)
    cohort = simulate_cohort(n_athletes=20, n_days=200, seed=4, start=end - dt.timedelta(days=200))
    with database.open_session(factory) as session:
        save_cohort(session, cohort, seed=4)
    # when both models are trained and registered through the server
    with database.open_session(factory) as session:
        report = train_and_register(session, settings, today=end)
    # then the champions load back through it, and the registry lives in PostgreSQL
    assert report.outcomes, report.skipped
    models = load_champions(settings)
    assert models.available, models.degraded_reason
    backend = create_engine(postgres_url)
    with backend.connect() as conn:
        names = conn.execute(text("SELECT name FROM registered_models")).scalars().all()
    backend.dispose()
    assert sorted(names) == sorted(models.versions)
