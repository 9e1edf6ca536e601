"""Goal events over HTTP: add, list, remove; bad input names the field; the plan sees them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Callers, add_athlete, make_callers

RACE = {"date": "2025-06-15", "name": "Trail 50k", "distance_km": 50, "climb_m": 2000,
        "priority": "A"}  # fmt: skip


@pytest.fixture
def setup(empty_app_client: TestClient) -> Iterator[tuple[TestClient, Callers]]:
    app = empty_app_client.app
    own, other = add_athlete(app, "Own"), add_athlete(app, "Other")
    yield empty_app_client, make_callers(app, own, other)


def test_events_are_added_listed_planned_and_removed(setup: tuple[TestClient, Callers]) -> None:
    client, callers = setup
    path = f"/athletes/{callers.own}/events"
    # when the athlete adds an A race
    created = client.post(path, json=RACE, headers=callers.athlete)
    assert created.status_code == 201, created.text
    event = created.json()
    assert event["athlete_id"] == callers.own and event["priority"] == "A" and event["id"] >= 1
    # then it is listed, and the plan 6 days before races it on its day
    listed = client.get(path, headers=callers.coach).json()
    assert listed["count"] == 1 and listed["data"][0]["name"] == "Trail 50k"
    plan = client.get(
        f"/athletes/{callers.own}/plan", params={"date": "2025-06-09"}, headers=callers.athlete
    ).json()
    assert plan["goal"]["event"]["id"] == event["id"] and plan["goal"]["phase"] == "taper"
    assert plan["days"][6]["session"]["type"] == "race" and plan["days"][6]["locked"]
    # and another athlete neither sees nor removes it
    other = client.get(path, headers=callers.other_athlete)
    assert other.status_code == 404
    # and removing it twice gives 204 then 404
    gone = client.delete(f"{path}/{event['id']}", headers=callers.athlete)
    assert gone.status_code == 204
    assert client.delete(f"{path}/{event['id']}", headers=callers.athlete).status_code == 404
    assert client.get(path, headers=callers.athlete).json()["count"] == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("priority", "D"), ("distance_km", 0), ("climb_m", -5), ("name", ""), ("date", "2025-13-01")],
)
def test_bad_event_names_the_field_and_writes_nothing(
    setup: tuple[TestClient, Callers], field: str, value: object
) -> None:
    client, callers = setup
    path = f"/athletes/{callers.own}/events"
    response = client.post(path, json={**RACE, field: value}, headers=callers.athlete)
    assert response.status_code == 422 and field in response.text
    assert client.get(path, headers=callers.athlete).json()["count"] == 0


def test_an_event_of_an_unknown_athlete_is_404(setup: tuple[TestClient, Callers]) -> None:
    client, callers = setup
    response = client.post("/athletes/999/events", json=RACE, headers=callers.admin)
    assert response.status_code == 404
    assert dt.date.fromisoformat(RACE["date"])  # the body itself is valid
