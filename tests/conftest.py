"""Shared fixtures: real SQLite/PostgreSQL databases and a real MLflow store per test."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock
from sqlalchemy import Engine, create_engine, text

from engine.settings import Settings
from engine.store import database

POSTGRES_URL = os.environ.get(
    "CAIRN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
KEPT_VARIABLES = frozenset({"CAIRN_TEST_POSTGRES_URL"})


def pytest_configure(config: pytest.Config) -> None:
    """Hermetic tests: a developer's own ``CAIRN_*`` settings (a secret key, a database URL)
    never change an outcome; each test builds the Settings it needs."""
    for key in [k for k in os.environ if k.startswith("CAIRN_") and k not in KEPT_VARIABLES]:
        del os.environ[key]


def _postgres_reachable() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as err:  # noqa: BLE001
        return f"PostgreSQL at {POSTGRES_URL} not reachable: {err.__class__.__name__}"
    return None


@pytest.fixture(scope="session")
def postgres_problem() -> str | None:
    return _postgres_reachable()


@pytest.fixture
def postgres_url(postgres_problem: str | None) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped after the test."""
    if postgres_problem:
        if os.environ.get("CI"):
            pytest.fail(postgres_problem)
        pytest.skip(postgres_problem)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage test runs on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'app.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def db_engine(db_url: str) -> Iterator[Engine]:
    engine = database.make_engine(db_url)
    database.migrate_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def mlflow_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MLflow SQLite store migrated once per session (migrations are slow)."""
    from mlflow import MlflowClient

    path = tmp_path_factory.mktemp("mlflow-template") / "mlflow.db"
    MlflowClient(tracking_uri=f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture
def settings(tmp_path: Path, mlflow_template: Path) -> Settings:
    """Settings pointing at a fresh data dir with its own SQLite DB and MLflow store."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(mlflow_template, data_dir / "mlflow.db")
    return Settings(data_dir=data_dir)


TRAINED_ATHLETES = 30
TRAINED_DAYS = 240
TRAINED_END = "2025-09-01"


def _shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every xdist worker of this run sees (the run's base temp dir); the worker's own
    base temp dir when not under xdist."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _build_trained_dir(data_dir: Path, mlflow_template: Path) -> None:
    import datetime as dt

    from engine.services.simulation import save_cohort
    from engine.services.training import train_and_register
    from pipelines.simulator.cohort import simulate_cohort

    data_dir.mkdir(parents=True)
    shutil.copy(mlflow_template, data_dir / "mlflow.db")
    settings = Settings(data_dir=data_dir)
    engine = database.make_engine(settings.database_url)
    database.migrate_database(engine)
    factory = database.make_session_factory(engine)
    end = dt.date.fromisoformat(TRAINED_END)
    cohort = simulate_cohort(
        n_athletes=TRAINED_ATHLETES,
        n_days=TRAINED_DAYS,
        seed=3,
        start=end - dt.timedelta(days=TRAINED_DAYS),
    )
    with database.open_session(factory) as session:
        save_cohort(session, cohort, seed=3)
    with database.open_session(factory) as session:
        train_and_register(session, settings, today=end)
    engine.dispose()


@pytest.fixture(scope="session")
def trained_dir(tmp_path_factory: pytest.TempPathFactory, mlflow_template: Path) -> Path:
    """A data dir with a simulated cohort in SQLite and both models trained and registered.

    Built once per run: the first xdist worker that needs it builds it under a file lock, the
    others wait for it and read it (every test that changes it works on a private copy)."""
    root = _shared_root(tmp_path_factory)
    data_dir = root / "trained" / "data"
    with FileLock(str(root / "trained.lock")):
        if not (root / "trained.done").exists():
            shutil.rmtree(data_dir.parent, ignore_errors=True)
            _build_trained_dir(data_dir, mlflow_template)
            (root / "trained.done").touch()
    return data_dir


@pytest.fixture(scope="session")
def population_mlflow(
    tmp_path_factory: pytest.TempPathFactory,
    mlflow_template: Path,
    _population_fits_once_per_run: None,
) -> Path:
    """An MLflow store (``mlflow.db``) holding the day-one population models as champions, as a
    fresh data dir has them after its first ``cairn recommend``; built once per run and copied
    by tests that are not about that first registration (its artifacts stay where they are)."""
    from engine.services.population import ensure_population_models

    root = _shared_root(tmp_path_factory)
    data_dir = root / "population" / "data"
    with FileLock(str(root / "population.lock")):
        if not (root / "population.done").exists():
            shutil.rmtree(data_dir.parent, ignore_errors=True)
            data_dir.mkdir(parents=True)
            shutil.copy(mlflow_template, data_dir / "mlflow.db")
            assert ensure_population_models(Settings(data_dir=data_dir)).outcomes
            (root / "population.done").touch()
    return data_dir / "mlflow.db"


@pytest.fixture(scope="session", autouse=True)
def _population_fits_once_per_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The population models (seeded, so the same in every process) are fitted once per run:
    the first worker that needs them fits them for real and pickles them under a file lock, the
    other workers load that pickle instead of fitting the same models again."""
    import pickle

    from engine.services import population

    root = _shared_root(tmp_path_factory)
    real = population._population_fits

    def shared(n_athletes: int, n_days: int):  # noqa: ANN202
        path = root / f"population-{n_athletes}x{n_days}.pkl"
        with FileLock(str(path) + ".lock"):
            if path.exists():
                return pickle.loads(path.read_bytes())
            fits = real(n_athletes, n_days)
            path.write_bytes(pickle.dumps(fits))
            return fits

    population._population_fits = shared  # type: ignore[assignment]
    yield
    population._population_fits = real


@pytest.fixture
def trained_settings(trained_dir: Path, tmp_path: Path) -> Settings:
    """A private copy of the trained data dir (tests may change it)."""
    target = tmp_path / "data"
    shutil.copytree(trained_dir, target)
    return Settings(data_dir=target)
