"""One date rule on the JSON path: logs dated after tomorrow or before 1980 get a 422."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.main import create_app
from engine.settings import Settings
from engine.store import database
from engine.store.tables import WellnessCheckin
from tests.api.conftest import add_user


@pytest.fixture
def admin_client(api_settings: Settings) -> Iterator[TestClient]:
    app = create_app(api_settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers.update(add_user(app, username="root", role="admin"))
        yield client


def _checkins(client: TestClient) -> int:
    with database.open_session(client.app.state.session_factory) as session:
        return session.scalar(select(func.count()).select_from(WellnessCheckin)) or 0


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("wellness", {"date": "2062-03-01", "readiness": 7}, "date"),
        ("wellness", {"date": "1979-12-31", "readiness": 7}, "date"),
        (
            "sessions",
            {"date": "2062-03-01", "kind": "run", "type": "x", "duration_min": 30},
            "date",
        ),
        ("injuries", {"start_date": "2062-03-01", "body_part": "knee"}, "start_date"),
    ],
)
def test_log_outside_1980_to_tomorrow_gets_422_naming_the_field(
    admin_client: TestClient, path: str, payload: dict, field: str
) -> None:
    aid = admin_client.post("/athletes", json={"name": "Zoe"}).json()["id"]
    response = admin_client.post(f"/athletes/{aid}/{path}", json=payload)
    assert response.status_code == 422
    assert field in [d["field"] for d in response.json()["detail"]]
    assert _checkins(admin_client) == 0


def test_checkin_dated_tomorrow_is_accepted(admin_client: TestClient) -> None:
    # the athlete's local date may run a day ahead of the server's (UTC)
    aid = admin_client.post("/athletes", json={"name": "Kai"}).json()["id"]
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    body = {"date": tomorrow.isoformat(), "readiness": 6}
    assert admin_client.post(f"/athletes/{aid}/wellness", json=body).status_code == 201
    later = {"date": (tomorrow + dt.timedelta(days=1)).isoformat(), "readiness": 6}
    assert admin_client.post(f"/athletes/{aid}/wellness", json=later).status_code == 422
    assert _checkins(admin_client) == 1
