"""Retraining as a background job: 202 + job id, one at a time, champion served meanwhile."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from engine.settings import Settings
from engine.store import database, jobs
from tests.api.conftest import add_user
from tests.conftest import TRAINED_END

TERMINAL = {"succeeded", "failed"}


def _wait_for(client: TestClient, job_id: str, timeout_s: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = client.get(f"/jobs/{job_id}").json()
        if job["state"] in TERMINAL:
            return job
        time.sleep(0.25)
    raise AssertionError(f"job {job_id} still {job['state']} after {timeout_s} s")


@pytest.mark.slow  # a full training run in a child process (~10 s)
def test_retrain_is_a_background_job_with_metrics_and_decision(trained_client: TestClient) -> None:
    # given the champions in service and an admin
    trained_client.headers.update(add_user(trained_client.app, username="root", role="admin"))
    # when retraining is requested
    started = trained_client.post("/models/retrain")
    # then 202 with the job (running) and where to poll it
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["state"] == "running" and started.headers["Location"] == f"/jobs/{job['id']}"
    # and a second request while it runs is a 409 naming the running job
    second = trained_client.post("/models/retrain")
    assert second.status_code == 409 and job["id"] in second.json()["detail"]
    assert second.headers["Location"] == f"/jobs/{job['id']}"
    # and recommendations keep coming from the champion meanwhile
    rec = trained_client.get("/athletes/1/recommendation", params={"date": TRAINED_END})
    assert rec.status_code == 200 and rec.json()["degraded"] is False
    # when the job ends, then it reports both models' metrics and promotion decisions
    done = _wait_for(trained_client, job["id"])
    assert done["state"] == "succeeded", done["error"]
    assert done["progress"] == 1.0 and done["finished_at"]
    outcomes = {o["target"]: o for o in done["result"]["outcomes"]}
    assert set(outcomes) == {"readiness", "injury"}
    assert outcomes["readiness"]["metrics"]["mae"] > 0
    assert all(isinstance(o["promoted"], bool) and o["reason"] for o in outcomes.values())
    listed = trained_client.get("/jobs").json()
    assert listed["count"] == 1 and listed["data"][0]["id"] == job["id"]


def test_shutdown_marks_a_running_job_interrupted(trained_api_settings: Settings) -> None:
    # given a job started just before the server stops
    app = create_app(trained_api_settings)
    with TestClient(app) as client:
        client.headers.update(add_user(app, username="root", role="admin"))
        job_id = client.post("/models/retrain").json()["id"]
    # when the app has shut down, then the job is failed as interrupted, not left running
    with database.open_session(app.state.session_factory) as session:
        job = jobs.read_job(session, job_id=job_id)
        assert job is not None and job.state == "failed"
        assert "interrupted" in (job.error or "")


def _insert_running(settings: Settings, *, owner: str, beat_age_s: float) -> str:
    engine = database.make_engine(settings.database_url)
    database.migrate_database(engine)
    now = jobs.utcnow()
    with database.open_session(database.make_session_factory(engine)) as session:
        job = jobs.insert_job(session, kind=f"test-{owner}", requested_by=None, now=now)
        job.state, job.owner = "running", owner
        job.heartbeat_at = now - dt.timedelta(seconds=beat_age_s)
        job_id = job.id
    engine.dispose()
    return job_id


def test_restart_fails_jobs_left_running_by_a_dead_server(api_settings: Settings) -> None:
    # given jobs left "running": by a dead process here, by a live server elsewhere, and by
    # a server elsewhere that stopped heartbeating
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = jobs.process_owner().rpartition(":")[0]
    killed = _insert_running(api_settings, owner=f"{host}:{dead.pid}", beat_age_s=1)
    elsewhere = _insert_running(api_settings, owner="other-host:42", beat_age_s=1)
    silent = _insert_running(api_settings, owner="silent-host:42", beat_age_s=600)
    # when the server starts
    app = create_app(api_settings)
    with TestClient(app) as client:
        client.headers.update(add_user(app, username="root", role="admin"))
        states = {j: client.get(f"/jobs/{j}").json() for j in (killed, elsewhere, silent)}
    # then the orphans are failed as interrupted; the live one is left alone
    assert states[killed]["state"] == states[silent]["state"] == "failed"
    assert "interrupted" in states[killed]["error"]
    assert states[elsewhere]["state"] == "running"


def test_models_listing_and_promotion_rollback(trained_client: TestClient) -> None:
    # given one registered version per model and an admin
    trained_client.headers.update(add_user(trained_client.app, username="root", role="admin"))
    listed = trained_client.get("/models").json()
    assert listed["count"] == 2
    assert all("champion" in v["aliases"] for v in listed["data"])
    # when promoting an unknown model or version, then 404
    assert trained_client.post("/models/nope/promote", json={"version": 1}).status_code == 404
    missing = trained_client.post("/models/cairn-readiness/promote", json={"version": 9})
    assert missing.status_code == 404
    # when (re)promoting version 1, then it is served right away
    promoted = trained_client.post("/models/cairn-readiness/promote", json={"version": 1})
    assert promoted.status_code == 200
    assert trained_client.get("/health").json()["models"]["cairn-readiness"] == 1
    # when rolling back with no previous champion, then 409 in the error shape
    rollback = trained_client.post("/models/cairn-readiness/rollback")
    assert rollback.status_code == 409 and rollback.json()["error"] == "conflict"
