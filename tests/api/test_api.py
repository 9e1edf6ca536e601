"""The HTTP API through FastAPI's test client, on a real SQLite DB and MLflow store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from engine.settings import Settings
from tests.api.conftest import add_user
from tests.conftest import TRAINED_END

RECOMMENDATION_KEYS = {"athlete_id", "date", "session", "predicted", "reasons", "model_versions"}
SESSION_KEYS = {"kind", "type", "intensity", "duration_min", "target_rpe"}


def _admin_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        test_client.headers.update(add_user(test_client.app, username="admin", role="admin"))
        yield test_client


@pytest.fixture
def client(trained_api_settings: Settings) -> Iterator[TestClient]:
    """An admin's client on the trained data dir."""
    yield from _admin_client(trained_api_settings)


@pytest.fixture
def empty_client(api_settings: Settings) -> Iterator[TestClient]:
    """An admin's client on an empty data dir (no models)."""
    yield from _admin_client(api_settings)


def test_health_reports_models(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["models"] == {"cairn-readiness": 1, "cairn-injury": 1}
    assert body["degraded"] is False


def test_recommendation_follows_the_contract(client: TestClient) -> None:
    response = client.get("/athletes/1/recommendation", params={"date": TRAINED_END})
    assert response.status_code == 200
    body = response.json()
    assert body.keys() >= RECOMMENDATION_KEYS
    assert body["session"].keys() >= SESSION_KEYS
    assert body["session"]["kind"] in {"rest", "mobility", "run", "strength", "cross"}
    assert body["session"]["intensity"] in {"rest", "easy", "moderate", "hard"}
    assert 0 <= body["predicted"]["readiness"] <= 100
    assert 0 <= body["predicted"]["injury_risk"] <= 1
    assert len(body["reasons"]) >= 2
    assert body["model_versions"] == {"cairn-readiness": 1, "cairn-injury": 1}
    assert body["date"] == TRAINED_END


def test_create_athlete_then_log_and_recommend(empty_client: TestClient) -> None:
    created = empty_client.post("/athletes", json={"name": "Mia", "birth_year": 1992})
    assert created.status_code == 201
    aid = created.json()["id"]
    assert empty_client.get(f"/athletes/{aid}").json()["name"] == "Mia"
    session = {
        "date": "2025-06-01",
        "kind": "run",
        "type": "easy_trail",
        "duration_min": 45,
        "rpe": 4,
        "distance_km": 8,
        "elevation_gain_m": 250,
    }
    assert empty_client.post(f"/athletes/{aid}/sessions", json=session).status_code == 201
    checkin = {"date": "2025-06-02", "sleep_h": 7.5, "soreness": 2, "readiness": 7}
    assert empty_client.post(f"/athletes/{aid}/wellness", json=checkin).status_code == 201
    rec = empty_client.get(f"/athletes/{aid}/recommendation", params={"date": "2025-06-02"})
    assert rec.status_code == 200
    body = rec.json()
    assert body["degraded"] is True  # no model registered in this fresh store
    assert any("unavailable" in r for r in body["reasons"])


def test_injury_allows_only_rest_or_mobility(empty_client: TestClient) -> None:
    aid = empty_client.post("/athletes", json={"name": "Ben"}).json()["id"]
    injury = {"start_date": "2025-06-01", "body_part": "ankle", "severity": "moderate"}
    assert empty_client.post(f"/athletes/{aid}/injuries", json=injury).status_code == 201
    body = empty_client.get(f"/athletes/{aid}/recommendation", params={"date": "2025-06-03"}).json()
    assert body["session"]["intensity"] in {"rest", "easy"}
    assert body["session"]["type"] in {"rest", "mobility", "easy_spin", "walk"}


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("wellness", {"date": "2025-06-02", "sleep_h": 30}, "sleep_h"),
        (
            "sessions",
            {"date": "2025-06-02", "kind": "run", "type": "tempo", "duration_min": 40, "rpe": 14},
            "rpe",
        ),
        (
            "sessions",
            {"date": "2025-06-02", "kind": "swim", "type": "x", "duration_min": 40},
            "kind",
        ),
        (
            "sessions",
            {"date": "2025-06-02", "kind": "run", "type": "x", "duration_min": -5},
            "duration_min",
        ),
        ("wellness", {"date": "2025-06-02", "soreness": 9}, "soreness"),
    ],
)
def test_invalid_input_gets_422_naming_the_field(
    empty_client: TestClient, path: str, payload: dict, field: str
) -> None:
    aid = empty_client.post("/athletes", json={"name": "Zoe"}).json()["id"]
    response = empty_client.post(f"/athletes/{aid}/{path}", json=payload)
    assert response.status_code == 422
    assert field in [d["field"] for d in response.json()["detail"]]


def test_unknown_athlete_gets_404(empty_client: TestClient) -> None:
    response = empty_client.get("/athletes/4242/recommendation")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_bad_date_gets_422(empty_client: TestClient) -> None:
    response = empty_client.get("/athletes/1/recommendation", params={"date": "31-12-2025"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "date"
