"""Bad input, faults and retries: one error shape, idempotent POSTs, locks, degraded models."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.main import create_app
from api.model_cache import ModelCache
from engine.settings import Settings
from engine.store import database
from engine.store.tables import IdempotencyRecord, TrainingSession
from tests.api.conftest import add_athlete, add_user, with_secret
from tests.conftest import TRAINED_END

SESSION = {"date": "2025-06-01", "kind": "run", "type": "easy_trail", "duration_min": 40}
ERROR_KEYS = {"error", "detail"}


@pytest.fixture
def admin_client(api_settings: Settings) -> Iterator[TestClient]:
    app = create_app(api_settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers.update(add_user(app, username="root", role="admin"))
        yield client


def _count_sessions(client: TestClient) -> int:
    with database.open_session(client.app.state.session_factory) as session:
        return session.scalar(select(func.count()).select_from(TrainingSession)) or 0


def test_every_error_status_uses_the_one_json_shape(admin_client: TestClient) -> None:
    # given an app with one athlete and a route that fails unexpectedly
    app = admin_client.app

    @app.get("/test-boom")
    def boom() -> None:
        raise RuntimeError("boom")

    aid = add_athlete(app)
    athlete = add_user(app, username="mia", role="athlete", athlete_id=aid)
    admin_client.post(f"/athletes/{aid}/sessions", json=SESSION)
    big = {**SESSION, "type": "x" * 300_000}
    calls = {
        401: lambda: admin_client.get("/athletes", headers={"Authorization": ""}),
        403: lambda: admin_client.get("/models", headers=athlete),
        404: lambda: admin_client.get("/no/such/route"),
        405: lambda: admin_client.delete(f"/athletes/{aid}"),
        409: lambda: admin_client.post(f"/athletes/{aid}/sessions", json=SESSION),
        413: lambda: admin_client.post(f"/athletes/{aid}/sessions", json=big),
        422: lambda: admin_client.post(f"/athletes/{aid}/sessions", content=b"{not json"),
        500: lambda: admin_client.get("/test-boom"),
    }
    for expected, call in calls.items():
        # when each failure happens
        response = call()
        # then the status, the {"error", "detail"} shape and a request id
        assert response.status_code == expected, (expected, response.text)
        assert set(response.json()) == ERROR_KEYS, expected
        assert response.headers.get("x-request-id"), expected
        assert "boom" not in response.text


def test_chunked_body_over_the_limit_gets_413(admin_client: TestClient) -> None:
    # given a body streamed without Content-Length, larger than max_body_kb
    aid = add_athlete(admin_client.app)

    def chunks() -> Iterator[bytes]:
        for _ in range(400):
            yield b" " * 1024

    # when posted, then 413 in the error shape
    response = admin_client.post(f"/athletes/{aid}/sessions", content=chunks())
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("sessions", SESSION),
        ("wellness", {"date": "2025-06-02", "sleep_h": 7.5, "soreness": 2}),
        ("injuries", {"start_date": "2025-06-01", "body_part": "ankle"}),
    ],
)
def test_retried_post_with_idempotency_key_is_stored_once(
    admin_client: TestClient, path: str, body: dict
) -> None:
    # given a POST sent with an Idempotency-Key
    aid = add_athlete(admin_client.app)
    headers = {"Idempotency-Key": "7b0c4e0e-retry-1"}
    first = admin_client.post(f"/athletes/{aid}/{path}", json=body, headers=headers)
    # when the client retries it (e.g. after a timeout)
    again = admin_client.post(f"/athletes/{aid}/{path}", json=body, headers=headers)
    # then the same answer, marked as replayed, and one stored row
    assert first.status_code == 201
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    with database.open_session(admin_client.app.state.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 1


def test_same_idempotency_key_with_another_body_is_422(admin_client: TestClient) -> None:
    # given a session stored under a key
    aid = add_athlete(admin_client.app)
    headers = {"Idempotency-Key": "k-1"}
    assert admin_client.post(f"/athletes/{aid}/sessions", json=SESSION, headers=headers).is_success
    # when the key is reused for a different session
    other = {**SESSION, "duration_min": 90}
    response = admin_client.post(f"/athletes/{aid}/sessions", json=other, headers=headers)
    # then 422 and nothing new is stored
    assert response.status_code == 422
    assert response.json()["error"] == "idempotency_key_reused"
    assert _count_sessions(admin_client) == 1


def test_idempotency_keys_are_per_athlete(admin_client: TestClient) -> None:
    # given two athletes using the same key for their own sessions
    a, b = add_athlete(admin_client.app), add_athlete(admin_client.app)
    headers = {"Idempotency-Key": "same-key"}
    # when both post, then both are stored
    assert admin_client.post(f"/athletes/{a}/sessions", json=SESSION, headers=headers).is_success
    assert admin_client.post(f"/athletes/{b}/sessions", json=SESSION, headers=headers).is_success
    assert _count_sessions(admin_client) == 2


def test_locked_database_gets_503_with_retry_after(api_settings: Settings) -> None:
    # given a short busy timeout and another connection holding the write lock
    settings = with_secret(api_settings, db_busy_timeout_ms=150)
    app = create_app(settings)
    with TestClient(app) as client:
        aid = add_athlete(app)
        client.headers.update(add_user(app, username="root", role="admin"))
        path = settings.database_url.split("///", 1)[1]
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            # when a write arrives
            locked = client.post(f"/athletes/{aid}/sessions", json=SESSION)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        # then 503 with Retry-After (not a 500), and the retry succeeds once the lock is gone
        assert locked.status_code == 503, locked.text
        assert locked.json()["error"] == "database_unavailable"
        assert int(locked.headers["Retry-After"]) > 0
        assert client.post(f"/athletes/{aid}/sessions", json=SESSION).status_code == 201


def _break_registry(settings: Settings, how: str) -> Settings:
    if how == "missing":
        blocker = settings.data_dir / "not-a-dir"
        blocker.write_text("a file where the registry folder should be")
        uri = f"sqlite:///{blocker / 'mlflow.db'}"
        return settings.model_copy(update={"mlflow_tracking_uri": uri, "mlflow_registry_uri": uri})
    if how == "corrupt":
        (settings.data_dir / "mlflow.db").write_bytes(b"\x00garbage" * 4096)
    if how == "artifacts gone":  # the registry points at model files that no longer exist
        gone = (settings.data_dir / "gone").as_uri()
        with sqlite3.connect(settings.data_dir / "mlflow.db") as registry:
            registry.execute("UPDATE model_versions SET storage_location = ?", (gone,))
            registry.execute("UPDATE logged_models SET artifact_location = ?", (gone,))
    return settings


@pytest.mark.parametrize("how", ["missing", "corrupt", "artifacts gone"])
def test_broken_registry_gives_degraded_answer_not_500(
    trained_api_settings: Settings, how: str
) -> None:
    # given a registry that is missing, corrupt, or whose model files are gone
    settings = _break_registry(trained_api_settings, how)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers.update(add_user(app, username="root", role="admin"))
        # when a recommendation is asked for
        response = client.get("/athletes/1/recommendation", params={"date": TRAINED_END})
        health = client.get("/health").json()
    # then the rule-based answer, flagged degraded with the reason
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["degraded"] is True and body["degraded_reason"]
    assert body["session"]["kind"] in {"rest", "mobility", "run", "strength", "cross"}
    assert health["degraded"] is True


def test_registry_breaking_while_serving_keeps_the_loaded_models(
    trained_api_settings: Settings,
) -> None:
    # given an app serving the champions
    app = create_app(trained_api_settings)
    with TestClient(app) as client:
        client.headers.update(add_user(app, username="root", role="admin"))
        # when the registry file is corrupted and the cache re-checks it
        (trained_api_settings.data_dir / "mlflow.db").write_bytes(b"\x00garbage" * 4096)
        app.state.models.refresh()
        response = client.get("/athletes/1/recommendation", params={"date": TRAINED_END})
        models = client.get("/models")
    # then recommendations still come from the loaded models; registry listing is a 503
    assert response.status_code == 200 and response.json()["degraded"] is False
    assert models.status_code == 503 and set(models.json()) == ERROR_KEYS


def test_request_id_is_echoed_generated_and_logged(
    api_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    # given the app (it logs JSON lines to stderr)
    app = create_app(api_settings)
    with TestClient(app) as client:
        # when a request carries a sane id, an unsafe one, or none
        echoed = client.get("/health", headers={"X-Request-ID": "abc-123"})
        unsafe = client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
        fresh = client.get("/health")
    # then a sane id is echoed, others are replaced by a generated one
    assert echoed.headers["x-request-id"] == "abc-123"
    assert re.fullmatch(r"[0-9a-f]{32}", unsafe.headers["x-request-id"])
    assert re.fullmatch(r"[0-9a-f]{32}", fresh.headers["x-request-id"])
    # and the access log line is JSON carrying the id and the route template
    lines = [
        json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")
    ]
    access = [e for e in lines if e["logger"] == "api.access" and e["request_id"] == "abc-123"]
    assert access and access[0]["route"] == "/health" and access[0]["status"] == 200


def test_metrics_expose_latency_recommendations_versions_and_counters(
    trained_client: TestClient,
) -> None:
    # given a served recommendation
    app = trained_client.app
    headers = add_user(app, username="root", role="admin")
    rec = trained_client.get(
        "/athletes/1/recommendation", params={"date": TRAINED_END}, headers=headers
    ).json()
    app.state.metrics.record_import_rejection(reason="validation", count=3)
    # when Prometheus scrapes /metrics (public)
    text = trained_client.get("/metrics").text
    # then latency per route template, recommendations by type, versions and counters
    assert (
        'cairn_http_request_duration_seconds_count{method="GET",'
        'route="/athletes/{athlete_id}/recommendation"} 1.0'
    ) in text
    assert f'cairn_recommendations_total{{session_type="{rec["session"]["type"]}"}} 1.0' in text
    assert 'cairn_model_version{model="cairn-readiness"} 1.0' in text
    assert "cairn_degraded_answers_total 0.0" in text
    assert 'cairn_import_rejections_total{reason="validation"} 3.0' in text


def test_registry_that_never_answers_does_not_block_start_up(api_settings: Settings) -> None:
    # given a remote registry that accepts connections and never answers
    with socket.socket() as hanging:
        hanging.bind(("127.0.0.1", 0))
        hanging.listen()
        uri = f"http://127.0.0.1:{hanging.getsockname()[1]}"
        settings = api_settings.model_copy(
            update={"mlflow_tracking_uri": uri, "mlflow_registry_uri": uri}
        )
        # when the model cache starts
        started = time.monotonic()
        cache = ModelCache(settings, load_timeout_s=1.0)
        waited = time.monotonic() - started
        models = cache.current()
    # then start-up waits about the timeout, and serving begins with the fallback
    assert waited < 5
    assert not models.available and "loading" in (models.degraded_reason or "")
