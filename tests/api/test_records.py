"""Reading back, correcting and deleting logged records; the daily load history."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from engine.settings import Settings
from engine.store import database, records
from tests.api.conftest import Callers, add_athlete, make_callers, with_secret

DAY = dt.date(2026, 3, 10)
RUN = {"date": "2026-03-09", "kind": "run", "type": "tempo", "duration_min": 50, "rpe": 7}
LIFT = {
    "date": "2026-03-08",
    "kind": "strength",
    "type": "strength_lower",
    "duration_min": 45,
    "rpe": 6,
    "sets": [
        {"exercise": "goblet_squat", "set_number": 1, "reps": 8, "load_kg": 24},
        {"exercise": "goblet_squat", "set_number": 2, "reps": 8, "load_kg": 24},
    ],
}


@pytest.fixture(scope="module")
def app_and_callers(
    tmp_path_factory: pytest.TempPathFactory, mlflow_template: Path
) -> Iterator[tuple[TestClient, Callers]]:
    data_dir = tmp_path_factory.mktemp("records") / "data"
    data_dir.mkdir()
    shutil.copy(mlflow_template, data_dir / "mlflow.db")
    app = create_app(with_secret(Settings(data_dir=data_dir)))
    with TestClient(app) as client:
        own, other = add_athlete(app, "Own"), add_athlete(app, "Other")
        yield client, make_callers(app, own, other)


@pytest.fixture
def athlete(app_and_callers: tuple[TestClient, Callers]) -> tuple[TestClient, dict, str]:
    """A fresh athlete logged in as themselves: (client, headers, /athletes/{id} prefix)."""
    from tests.api.conftest import add_user

    client, _ = app_and_callers
    athlete_id = add_athlete(client.app, "Fresh")
    headers = add_user(client.app, username=f"fresh-{athlete_id}", role="athlete",
                       athlete_id=athlete_id)  # fmt: skip
    return client, headers, f"/athletes/{athlete_id}"


def test_sessions_read_back_with_sets_in_range_and_pages(athlete) -> None:  # noqa: ANN001
    # given two logged sessions
    client, headers, base = athlete
    assert client.post(f"{base}/sessions", json=RUN, headers=headers).status_code == 201
    assert client.post(f"{base}/sessions", json=LIFT, headers=headers).status_code == 201
    # when they are read back, all, by range and by page
    everything = client.get(f"{base}/sessions", headers=headers).json()
    ranged = client.get(f"{base}/sessions", params={"from": "2026-03-09"}, headers=headers)
    page = client.get(f"{base}/sessions", params={"limit": 1, "offset": 1}, headers=headers)
    # then newest first, with sets, and count is the total in the range
    assert everything["count"] == 2
    assert [s["type"] for s in everything["data"]] == ["tempo", "strength_lower"]
    assert [s["reps"] for s in everything["data"][1]["sets"]] == [8, 8]
    assert ranged.json()["count"] == 1 and ranged.json()["data"][0]["type"] == "tempo"
    assert page.json()["count"] == 2 and page.json()["data"][0]["type"] == "strength_lower"


def test_session_patch_validates_like_a_post_and_replaces_sets(athlete) -> None:  # noqa: ANN001
    client, headers, base = athlete
    sid = client.post(f"{base}/sessions", json=LIFT, headers=headers).json()["id"]
    # when a bad value is sent, then 422 naming the field and nothing changes
    bad = client.patch(f"{base}/sessions/{sid}", json={"duration_min": -5}, headers=headers)
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "duration_min"
    unknown = client.patch(f"{base}/sessions/{sid}", json={"colour": "red"}, headers=headers)
    assert unknown.status_code == 422
    # when the type and the sets are corrected
    new_sets = [{"exercise": "deadlift", "set_number": 1, "reps": 5, "load_kg": 80}]
    fixed = client.patch(
        f"{base}/sessions/{sid}", json={"type": "strength_full", "sets": new_sets}, headers=headers
    )
    # then the stored record changed, and only what was sent
    assert fixed.status_code == 200, fixed.text
    body = fixed.json()
    assert body["type"] == "strength_full" and body["duration_min"] == 45
    assert [(s["exercise"], s["reps"]) for s in body["sets"]] == [("deadlift", 5)]
    listed = client.get(f"{base}/sessions", headers=headers).json()["data"][0]
    assert listed["type"] == "strength_full" and len(listed["sets"]) == 1


def test_delete_removes_the_record_and_a_second_delete_is_404(athlete) -> None:  # noqa: ANN001
    client, headers, base = athlete
    sid = client.post(f"{base}/sessions", json=LIFT, headers=headers).json()["id"]
    assert client.delete(f"{base}/sessions/{sid}", headers=headers).status_code == 204
    assert client.get(f"{base}/sessions", headers=headers).json()["count"] == 0
    again = client.delete(f"{base}/sessions/{sid}", headers=headers)
    assert again.status_code == 404 and again.json()["error"] == "not_found"


def test_wellness_and_injury_patch_and_delete(athlete) -> None:  # noqa: ANN001
    client, headers, base = athlete
    checkin = {"date": "2026-03-10", "sleep_h": 5, "soreness": 4}
    wid = client.post(f"{base}/wellness", json=checkin, headers=headers).json()["id"]
    iid = client.post(
        f"{base}/injuries", json={"start_date": "2026-03-01", "body_part": "calf"}, headers=headers
    ).json()["id"]
    # when the check-in and the injury are corrected
    w = client.patch(f"{base}/wellness/{wid}", json={"sleep_h": 7.5}, headers=headers)
    i = client.patch(f"{base}/injuries/{iid}", json={"end_date": "2026-03-05"}, headers=headers)
    bad = client.patch(f"{base}/wellness/{wid}", json={"soreness": 9}, headers=headers)
    # then the new values are stored and out-of-range values refused
    assert w.status_code == 200 and w.json()["sleep_h"] == 7.5 and w.json()["soreness"] == 4
    assert i.status_code == 200 and i.json()["end_date"] == "2026-03-05"
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "soreness"
    assert client.get(f"{base}/wellness", headers=headers).json()["data"][0]["sleep_h"] == 7.5
    assert client.get(f"{base}/injuries", headers=headers).json()["count"] == 1
    # when both are deleted, then they are gone
    assert client.delete(f"{base}/wellness/{wid}", headers=headers).status_code == 204
    assert client.delete(f"{base}/injuries/{iid}", headers=headers).status_code == 204
    assert client.get(f"{base}/wellness", headers=headers).json()["count"] == 0
    assert client.get(f"{base}/injuries", headers=headers).json()["count"] == 0


def test_moving_a_checkin_onto_a_logged_day_is_a_conflict(athlete) -> None:  # noqa: ANN001
    client, headers, base = athlete
    client.post(f"{base}/wellness", json={"date": "2026-03-10", "sleep_h": 7}, headers=headers)
    wid = client.post(
        f"{base}/wellness", json={"date": "2026-03-11", "sleep_h": 6}, headers=headers
    ).json()["id"]
    moved = client.patch(f"{base}/wellness/{wid}", json={"date": "2026-03-10"}, headers=headers)
    assert moved.status_code == 409 and moved.json()["error"] == "conflict"
    days = [w["date"] for w in client.get(f"{base}/wellness", headers=headers).json()["data"]]
    assert days == ["2026-03-11", "2026-03-10"]


def test_patch_honours_an_idempotency_key(athlete) -> None:  # noqa: ANN001
    client, headers, base = athlete
    sid = client.post(f"{base}/sessions", json=RUN, headers=headers).json()["id"]
    keyed = {**headers, "Idempotency-Key": "fix-rpe-1"}
    first = client.patch(f"{base}/sessions/{sid}", json={"rpe": 5}, headers=keyed)
    replay = client.patch(f"{base}/sessions/{sid}", json={"rpe": 5}, headers=keyed)
    reused = client.patch(f"{base}/sessions/{sid}", json={"rpe": 6}, headers=keyed)
    assert first.status_code == replay.status_code == 200
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert reused.status_code == 422 and reused.json()["error"] == "idempotency_key_reused"


def test_every_change_is_audited_with_who_and_what(athlete) -> None:  # noqa: ANN001
    client, headers, base = athlete
    sid = client.post(f"{base}/sessions", json=RUN, headers=headers).json()["id"]
    client.patch(f"{base}/sessions/{sid}", json={"type": "easy_trail", "rpe": 4}, headers=headers)
    client.patch(f"{base}/sessions/{sid}", json={"type": "easy_trail"}, headers=headers)  # no-op
    client.delete(f"{base}/sessions/{sid}", headers=headers)
    athlete_id = int(base.rsplit("/", 1)[1])
    with database.open_session(client.app.state.session_factory) as session:
        changes = records.read_changes(session, athlete_id=athlete_id)
        rows = [(c.action, c.record_id, c.changed_by, c.changes) for c in changes]
    assert [r[0] for r in rows] == ["delete", "update", "create"]
    assert {r[1] for r in rows} == {sid}
    assert all(r[2].startswith("user:") for r in rows)
    assert rows[1][3] == {"type": ["tempo", "easy_trail"], "rpe": [7.0, 4.0]}
    assert rows[0][3]["type"] == ["easy_trail", None]


def test_records_of_another_athlete_are_not_found(
    app_and_callers: tuple[TestClient, Callers],
) -> None:
    client, callers = app_and_callers
    # given a session of athlete "other"
    other = f"/athletes/{callers.other}"
    sid = client.post(f"{other}/sessions", json=RUN, headers=callers.other_athlete).json()["id"]
    own = f"/athletes/{callers.own}"
    # when athlete "own" (or their coach) addresses it under their own id, then 404
    for headers in (callers.athlete, callers.coach):
        assert (
            client.patch(f"{own}/sessions/{sid}", json={"rpe": 1}, headers=headers).status_code
            == 404
        )
        assert client.delete(f"{own}/sessions/{sid}", headers=headers).status_code == 404
    # and under the other athlete's id, the athlete is hidden
    assert client.get(f"{other}/sessions", headers=callers.coach).status_code == 404
    assert client.delete(f"{other}/sessions/{sid}", headers=callers.athlete).status_code == 404
    # and the record is still there
    listed = client.get(f"{other}/sessions", headers=callers.other_athlete).json()
    assert listed["count"] >= 1


def test_load_has_one_row_per_day_and_follows_a_delete(athlete) -> None:  # noqa: ANN001
    client, headers, base = athlete
    sid = client.post(f"{base}/sessions", json=RUN, headers=headers).json()["id"]
    client.post(f"{base}/wellness", json={"date": "2026-03-10", "readiness": 6}, headers=headers)
    params = {"from": "2026-03-01", "to": "2026-03-10"}
    before = client.get(f"{base}/load", params=params, headers=headers).json()
    assert before["count"] == 10 and len(before["data"]) == 10
    days = {d["date"]: d for d in before["data"]}
    assert days["2026-03-09"]["load"] == 350.0  # 50 min x RPE 7
    assert days["2026-03-10"]["fatigue"] < days["2026-03-09"]["fatigue"]
    assert days["2026-03-09"]["form"] == pytest.approx(
        days["2026-03-09"]["fitness"] - days["2026-03-09"]["fatigue"], abs=0.11
    )
    assert days["2026-03-10"]["readiness_self"] == 60.0
    assert days["2026-03-08"]["readiness_self"] is None
    # predictions come from the day before's row: none before the first log
    assert 0 <= days["2026-03-10"]["injury_risk"] <= 1
    assert 0 <= days["2026-03-10"]["readiness_predicted"] <= 100
    assert days["2026-03-09"]["injury_risk"] is None
    # when the session is deleted, then the load is gone
    client.delete(f"{base}/sessions/{sid}", headers=headers)
    after = client.get(f"{base}/load", params=params, headers=headers).json()
    assert {d["date"]: d["load"] for d in after["data"]}["2026-03-09"] == 0.0


def test_load_refuses_a_reversed_or_too_long_range(athlete) -> None:  # noqa: ANN001
    client, headers, base = athlete
    reversed_ = client.get(f"{base}/load", params={"from": "2026-03-10", "to": "2026-03-01"},
                           headers=headers)  # fmt: skip
    too_long = client.get(f"{base}/load", params={"from": "2020-01-01", "to": "2026-03-01"},
                          headers=headers)  # fmt: skip
    assert reversed_.status_code == 422 and reversed_.json()["detail"][0]["field"] == "from"
    assert too_long.status_code == 422 and too_long.json()["detail"][0]["field"] == "to"


def test_recommendation_follows_a_correction(athlete) -> None:  # noqa: ANN001
    # given a very hard session yesterday, and today's (cached) recommendation
    client, headers, base = athlete
    hard = {"date": "2026-03-09", "kind": "run", "type": "long_trail", "duration_min": 240,
            "rpe": 9}  # fmt: skip
    sid = client.post(f"{base}/sessions", json=hard, headers=headers).json()["id"]
    params = {"date": DAY.isoformat()}
    first = client.get(f"{base}/recommendation", params=params, headers=headers).json()
    again = client.get(f"{base}/recommendation", params=params, headers=headers).json()
    assert first == again
    # when it is corrected to an easy jog
    client.patch(f"{base}/sessions/{sid}", json={"duration_min": 30, "rpe": 2,
                 "type": "recovery_jog"}, headers=headers)  # fmt: skip
    corrected = client.get(f"{base}/recommendation", params=params, headers=headers).json()
    # then the answer is recomputed from the corrected logs
    assert corrected["reasons"] != first["reasons"] or corrected["session"] != first["session"]
    assert corrected["predicted"] != first["predicted"]
