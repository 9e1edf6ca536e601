"""The week plan and its locks over HTTP: the contract, who may lock, and locks honoured."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from engine.settings import Settings
from engine.store import accounts, database
from tests.api.conftest import Callers, add_athlete, make_callers
from tests.conftest import TRAINED_END

DAY_KEYS = {"date", "session", "locked", "reasons", "prescription"}
PLAN_KEYS = {"athlete_id", "days", "block", "reassessment", "changes", "notes", "feasible"}
SESSION_KEYS = {"kind", "type", "intensity", "duration_min", "target_rpe"}


def test_plan_follows_the_contract_with_trained_models(trained_client: TestClient) -> None:
    # given the trained cohort and an admin
    headers = _admin(trained_client)
    # when athlete 1's week is planned from the last simulated day
    response = trained_client.get(
        "/athletes/1/plan", params={"date": TRAINED_END, "days": 7}, headers=headers
    )
    # then 7 dated days with sessions and prescriptions, the block, and what changed
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.keys() >= PLAN_KEYS and body["athlete_id"] == 1
    assert len(body["days"]) == 7 and all(d.keys() >= DAY_KEYS for d in body["days"])
    assert all(d["session"].keys() == SESSION_KEYS for d in body["days"])
    first = dt.date.fromisoformat(TRAINED_END)
    assert [d["date"] for d in body["days"]] == [
        (first + dt.timedelta(days=k)).isoformat() for k in range(7)
    ]
    assert body["block"].keys() >= {"index", "week_in_block", "phase", "emphasis", "starts"}
    assert body["degraded"] is False
    # and day 0 is today's recommendation, which now carries the prescription and block
    rec = trained_client.get(
        "/athletes/1/recommendation", params={"date": TRAINED_END}, headers=headers
    ).json()
    assert rec["session"] == body["days"][0]["session"]
    assert rec["prescription"]["main_set"] and rec["block"] == body["block"]


def _admin(client: TestClient) -> dict[str, str]:
    from tests.api.conftest import add_user

    return add_user(client.app, username="plan-admin", role="admin")


@pytest.fixture
def setup(empty_app_client: TestClient) -> Iterator[tuple[TestClient, Callers]]:
    app = empty_app_client.app
    own, other = add_athlete(app, "Own"), add_athlete(app, "Other")
    yield empty_app_client, make_callers(app, own, other)


DAY = dt.date(2025, 6, 4)
RACE = {"type": "long_trail", "duration_min": 150, "note": "trail race"}
REST = {"type": "rest", "duration_min": 0}


def _lock(client: TestClient, callers: Callers, headers: dict, body: dict, day: dt.date = DAY):
    return client.put(f"/athletes/{callers.own}/plan/locks/{day}", json=body, headers=headers)


def test_coach_lock_is_planned_and_the_athlete_cannot_override_it(
    setup: tuple[TestClient, Callers],
) -> None:
    client, callers = setup
    # when the linked coach locks a race
    created = _lock(client, callers, callers.coach, RACE)
    assert created.status_code == 201, created.text
    assert created.json()["set_by"] == "coach"
    assert created.json()["session"]["type"] == "long_trail"
    # then the plan keeps it as a locked day
    plan = client.get(
        f"/athletes/{callers.own}/plan", params={"date": DAY.isoformat()}, headers=callers.athlete
    ).json()
    assert plan["days"][0]["locked"] is True
    assert plan["days"][0]["session"]["duration_min"] == 150
    # and the recommendation honours it
    rec = client.get(
        f"/athletes/{callers.own}/recommendation",
        params={"date": DAY.isoformat()},
        headers=callers.athlete,
    ).json()
    assert rec["session"]["type"] == "long_trail" and rec["session"]["duration_min"] == 150
    # and the athlete may neither replace nor remove the coach's lock
    assert _lock(client, callers, callers.athlete, REST).status_code == 403
    url = f"/athletes/{callers.own}/plan/locks/{DAY}"
    assert client.delete(url, headers=callers.athlete).status_code == 403
    # but the coach may replace (200) and remove it (204), then it is gone (404)
    assert _lock(client, callers, callers.coach, REST).status_code == 200
    assert client.delete(url, headers=callers.coach).status_code == 204
    assert client.delete(url, headers=callers.coach).status_code == 404


def test_athlete_locks_their_own_day_and_lists_locks(setup: tuple[TestClient, Callers]) -> None:
    client, callers = setup
    assert _lock(client, callers, callers.athlete, REST).status_code == 201
    assert _lock(client, callers, callers.athlete, RACE).status_code == 200
    # a coach may override the athlete's lock
    later = DAY + dt.timedelta(days=3)
    assert _lock(client, callers, callers.coach, REST, later).status_code == 201
    listed = client.get(f"/athletes/{callers.own}/plan/locks", headers=callers.athlete).json()
    assert listed["count"] == 2
    assert [(x["date"], x["set_by"]) for x in listed["data"]] == [
        (DAY.isoformat(), "athlete"),
        (later.isoformat(), "coach"),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "yoga", "duration_min": 30}, "type"),
        ({"type": "rest", "duration_min": 30}, "duration_min"),
        ({"type": "tempo", "duration_min": 0}, "duration_min"),
        ({"type": "tempo", "duration_min": 900}, "duration_min"),
        ({"type": "tempo", "duration_min": 40, "extra": 1}, "extra"),
    ],
)
def test_invalid_locks_get_422(setup: tuple[TestClient, Callers], body: dict, field: str) -> None:
    client, callers = setup
    response = _lock(client, callers, callers.coach, body)
    assert response.status_code == 422
    assert field in str(response.json()["detail"])


def test_other_athletes_cannot_see_or_lock(setup: tuple[TestClient, Callers]) -> None:
    client, callers = setup
    assert _lock(client, callers, callers.other_athlete, RACE).status_code == 404
    assert _lock(client, callers, callers.unlinked_coach, RACE).status_code == 404
    response = client.get(f"/athletes/{callers.own}/plan", headers=callers.other_athlete)
    assert response.status_code == 404
    assert client.get(f"/athletes/{callers.own}/plan").status_code == 401


def test_api_key_with_plan_scope_locks_as_the_athlete(setup: tuple[TestClient, Callers]) -> None:
    client, callers = setup
    with database.open_session(client.app.state.session_factory) as session:
        _, key = accounts.create_api_key(
            session, athlete_id=callers.own, scopes=["plan:read", "plan:write"]
        )
    headers = {"Authorization": f"Bearer {key}"}
    created = _lock(client, callers, headers, RACE)
    assert created.status_code == 201 and created.json()["set_by"] == "athlete"
    assert client.get(f"/athletes/{callers.own}/plan/locks", headers=headers).status_code == 200


def test_plan_days_query_is_bounded(setup: tuple[TestClient, Callers]) -> None:
    client, callers = setup
    url = f"/athletes/{callers.own}/plan"
    three = client.get(url, params={"days": 3, "date": DAY.isoformat()}, headers=callers.coach)
    assert three.status_code == 200 and len(three.json()["days"]) == 3
    assert three.json()["degraded"] is True  # no models in this store
    assert client.get(url, params={"days": 8}, headers=callers.coach).status_code == 422


def test_settings_fixture_has_no_models(api_settings: Settings) -> None:
    # the empty app stays usable (degraded) for every plan route
    with TestClient(create_app(api_settings)) as client:
        assert client.get("/health").json()["degraded"] is True
