"""A real server (uvicorn subprocess) killed with SIGKILL in the middle of a large import and a
burst of session POSTs: what it acknowledged is stored, whole; nothing half-written remains."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from engine.settings import Settings
from engine.store import accounts, credentials, database, jobs, logbook
from tests.api.conftest import PASSWORD, TEST_SECRET

REPO = Path(__file__).resolve().parents[2]
BIG_IMPORT_ROWS = 100_000
SETS_PER_SESSION = 3


@dataclass
class Server:
    """A uvicorn process serving the app on a loopback port."""

    process: subprocess.Popen
    url: str
    log: Path


@dataclass
class Acks:
    """What the server acknowledged before it died."""

    sessions: dict[int, int] = field(default_factory=dict)  # session id -> sets sent
    errors: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(data_dir: Path, log: Path, *, timeout_s: float = 60.0) -> Server:
    """Start ``uvicorn api.main:create_app`` on a free loopback port and wait for /health."""
    port = _free_port()
    env = {
        **os.environ,
        "CAIRN_DATA_DIR": str(data_dir),
        "CAIRN_SECRET_KEY": TEST_SECRET,
        "CAIRN_LOG_LEVEL": "WARNING",
        "CAIRN_MAX_UPLOAD_MB": "64",
    }
    command = [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with log.open("ab") as sink:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=sink, stderr=sink)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}: {log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                return Server(process, url, log)
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise AssertionError(f"server did not start in {timeout_s} s: {log.read_text()}")


def _prepare(data_dir: Path) -> tuple[int, dict[str, str]]:
    settings = Settings(data_dir=data_dir)
    engine = database.make_engine(settings.database_url)
    database.migrate_database(engine)
    with database.open_session(database.make_session_factory(engine)) as session:
        athlete_id = logbook.create_athlete(session, data={"name": "Kill"}).id
        user = accounts.create_user(session, username="root", password=PASSWORD, role="admin")
        token = credentials.create_access_token(
            user_id=user.id, secret=TEST_SECRET, ttl_min=30, now=jobs.utcnow()
        )
    engine.dispose()
    return athlete_id, {"Authorization": f"Bearer {token}"}


def _runs_csv(rows: int, *, start: dt.date) -> bytes:
    """A Cairn sessions CSV: 20 distinct runs a day from ``start``."""
    lines = ["date,kind,type,duration_min,rpe"]
    lines += [
        f"{start + dt.timedelta(days=i // 20)},run,easy_trail,{20 + i % 20},5" for i in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def _post_sessions(url: str, athlete_id: int, headers: dict, stop: threading.Event, acks: Acks):
    """Strength sessions with sets, each with an Idempotency-Key, until told to stop."""
    with httpx.Client(base_url=url, headers=headers, timeout=10.0) as client:
        for i in range(100_000):
            if stop.is_set():
                return
            body = {
                "date": (dt.date(2000, 2, 1) + dt.timedelta(days=i)).isoformat(),
                "kind": "strength",
                "type": "strength_full",
                "duration_min": 45,
                "sets": [
                    {"exercise": "squat", "set_number": n + 1, "reps": 5, "load_kg": 100}
                    for n in range(SETS_PER_SESSION)
                ],
            }
            try:
                response = client.post(
                    f"/athletes/{athlete_id}/sessions",
                    json=body,
                    headers={"Idempotency-Key": f"burst-{i}"},
                )
            except httpx.TransportError as err:  # the server died mid-request
                acks.errors.append(type(err).__name__)
                return
            if response.status_code == 201:
                acks.sessions[response.json()["id"]] = SETS_PER_SESSION


def _wal_size(data_dir: Path) -> int:
    wal = data_dir / "app.sqlite-wal"
    return wal.stat().st_size if wal.exists() else 0


@pytest.fixture
def kill_dir(tmp_path: Path, mlflow_template: Path) -> Iterator[Path]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(mlflow_template, data_dir / "mlflow.db")
    yield data_dir


def test_sigkill_mid_import_keeps_every_acknowledged_row_whole(kill_dir: Path) -> None:
    # given a real server with an acknowledged small import
    athlete_id, headers = _prepare(kill_dir)
    server = start_server(kill_dir, kill_dir.parent / "server.log")
    small = _runs_csv(500, start=dt.date(2000, 1, 1))
    imports_url = f"{server.url}/athletes/{athlete_id}/imports"
    first = httpx.post(imports_url, files=[("files", ("small.csv", small))], headers=headers)
    assert first.status_code == 201, first.text
    # when a large import and a burst of session POSTs run, and the server is SIGKILLed
    # while the import's transaction is writing
    stop, acks, big_answer = threading.Event(), Acks(), {}
    burst = threading.Thread(
        target=_post_sessions, args=(server.url, athlete_id, headers, stop, acks)
    )
    burst.start()
    big = _runs_csv(BIG_IMPORT_ROWS, start=dt.date(2004, 1, 1))

    def send_big() -> None:
        try:
            big_answer["response"] = httpx.post(
                imports_url, files=[("files", ("big.csv", big))], headers=headers, timeout=120
            )
        except httpx.TransportError as err:
            big_answer["error"] = type(err).__name__

    importer = threading.Thread(target=send_big)
    baseline, started = _wal_size(kill_dir), time.monotonic()
    importer.start()
    while time.monotonic() - started < 8 and _wal_size(kill_dir) < baseline + 2_000_000:
        time.sleep(0.02)
    mid_write = _wal_size(kill_dir) >= baseline + 2_000_000
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(10)
    stop.set()
    importer.join(30)
    burst.join(30)
    # then the database is sound and holds every acknowledged row, whole
    assert mid_write, "the kill did not land while the import was writing"
    assert "response" not in big_answer, "the large import finished before the kill"
    with sqlite3.connect(kill_dir / "app.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = dict(
            db.execute(
                "SELECT s.id, COUNT(st.id) FROM training_session s "
                "LEFT JOIN strength_set st ON st.session_id = s.id "
                "WHERE s.kind = 'strength' GROUP BY s.id"
            ).fetchall()
        )
        imported = db.execute(
            "SELECT COUNT(*) FROM training_session WHERE kind = 'run'"
        ).fetchone()[0]
        keys = db.execute("SELECT COUNT(*) FROM idempotency_record").fetchone()[0]
    assert acks.sessions, "no session was acknowledged before the kill"
    assert all(stored.get(sid) == n for sid, n in acks.sessions.items())  # acked: present, whole
    assert set(stored.values()) <= {SETS_PER_SESSION}  # nothing half-written
    assert keys == len(stored)  # each stored session has its idempotency record, and vice versa
    assert imported == 500  # the small import whole; nothing of the killed one
    print(
        f"\nkill: {len(acks.sessions)} sessions acknowledged, {len(stored)} stored; "
        f"import rows {imported} (large import lost whole); WAL grew {_wal_size(kill_dir)} B"
    )
    # and a restarted app recovers the database, serves, and takes a retried burst POST
    restarted = create_app(Settings(data_dir=kill_dir, secret_key=TEST_SECRET, log_level="WARNING"))
    with TestClient(restarted) as client:
        assert client.get(f"/athletes/{athlete_id}", headers=headers).status_code == 200
        again = client.post(
            f"/athletes/{athlete_id}/imports",
            files=[("files", ("small.csv", small))],
            headers=headers,
        )
        assert again.status_code == 200  # all duplicates of what was stored: nothing new
