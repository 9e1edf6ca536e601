"""The plan as an iCalendar feed and today's session as a FIT workout, through the API."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import fitdecode
import icalendar
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.main import create_app
from engine.settings import Settings
from engine.store import accounts, database
from engine.store.tables import User
from tests.api.conftest import add_user, with_secret


@pytest.fixture(scope="module")
def trained_client(
    tmp_path_factory: pytest.TempPathFactory, trained_dir: Path
) -> Iterator[TestClient]:
    """One app over a copy of the trained data dir for the module (each test locks today
    itself and uses its own users)."""
    data_dir = tmp_path_factory.mktemp("exports") / "data"
    shutil.copytree(trained_dir, data_dir)
    settings = with_secret(Settings(data_dir=data_dir), log_level="WARNING")
    with TestClient(create_app(settings)) as client:
        yield client


def _lock_today(client: TestClient, headers: dict[str, str], type_id: str, minutes: int) -> str:
    today = dt.date.today().isoformat()
    body = {"type": type_id, "duration_min": minutes}
    response = client.put(f"/athletes/1/plan/locks/{today}", json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    return today


def _fit_messages(data: bytes) -> list[tuple[str, dict]]:
    with fitdecode.FitReader(io.BytesIO(data)) as reader:
        return [
            (frame.name, {f.name: f.value for f in frame.fields})
            for frame in reader
            if isinstance(frame, fitdecode.FitDataMessage)
        ]


def test_plan_ics_parses_into_seven_events_with_the_prescription(
    trained_client: TestClient,
) -> None:
    # given an athlete with a 7-day plan (one day locked to a long trail run) who checked in
    # well this morning (an all-clear for any red flag left from the simulated history)
    admin = add_user(trained_client.app, username="ics-admin", role="admin")
    today = _lock_today(trained_client, admin, "long_trail", 120)
    checkin = {"date": today, "sleep_h": 8, "soreness": 1, "fatigue": 1, "readiness": 8}
    posted = trained_client.post("/athletes/1/wellness", json=checkin, headers=admin)
    assert posted.status_code in (200, 201), posted.text
    # when the calendar is read
    response = trained_client.get("/athletes/1/plan.ics", headers=admin)
    # then it is text/calendar with one all-day event per day, the prescription inside
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 7
    days = sorted(e.decoded("dtstart") for e in events)
    assert days[0].isoformat() == today and (days[-1] - days[0]).days == 6
    locked = next(e for e in events if e.decoded("dtstart").isoformat() == today)
    assert str(locked["summary"]).startswith("Long trail 120 min")
    description = str(locked["description"])
    assert "bpm" in description and "km" in description and "Warm-up:" in description
    assert len({str(e["uid"]) for e in events}) == 7


def test_calendar_token_reads_only_that_calendar_and_is_revocable(
    trained_client: TestClient,
) -> None:
    # given an athlete who issues a calendar token
    athlete = add_user(trained_client.app, username="ics-runner", role="athlete", athlete_id=1)
    issued = trained_client.post("/athletes/1/calendar-token", headers=athlete)
    assert issued.status_code == 201, issued.text
    token = issued.json()["token"]
    # when a calendar app subscribes with it (no header), then the feed is served
    feed = trained_client.get(issued.json()["url"])
    assert feed.status_code == 200 and b"BEGIN:VEVENT" in feed.content
    # then it opens nothing else: another route 401 (query tokens only on .ics), the same
    # token as a header on the JSON plan 403 (scope), another athlete's calendar 404
    assert trained_client.get("/athletes/1/plan", params={"token": token}).status_code == 401
    as_header = {"Authorization": f"Bearer {token}"}
    assert trained_client.get("/athletes/1/plan", headers=as_header).status_code == 403
    assert trained_client.get("/athletes/2/plan.ics", params={"token": token}).status_code == 404
    # when a new token is issued, the old one stops; when revoked, the new one stops too
    newer = trained_client.post("/athletes/1/calendar-token", headers=athlete).json()["token"]
    assert trained_client.get("/athletes/1/plan.ics", params={"token": token}).status_code == 401
    assert trained_client.get("/athletes/1/plan.ics", params={"token": newer}).status_code == 200
    assert trained_client.delete("/athletes/1/calendar-token", headers=athlete).status_code == 204
    assert trained_client.get("/athletes/1/plan.ics", params={"token": newer}).status_code == 401


def test_calendar_token_stops_when_the_athlete_login_is_deactivated(
    trained_client: TestClient,
) -> None:
    # given a calendar token of athlete 1, whose logins are then all deactivated
    athlete = add_user(trained_client.app, username="ics-off", role="athlete", athlete_id=1)
    token = trained_client.post("/athletes/1/calendar-token", headers=athlete).json()["token"]
    assert trained_client.get("/athletes/1/plan.ics", params={"token": token}).status_code == 200
    factory = trained_client.app.state.session_factory
    with database.open_session(factory) as session:
        logins = session.scalars(select(User).where(User.athlete_id == 1)).all()
        for login in logins:
            login.is_active = False
    # when the calendar app reads the feed, then it is refused at once
    response = trained_client.get("/athletes/1/plan.ics", params={"token": token})
    assert response.status_code == 401
    assert trained_client.get("/athletes/1", headers=athlete).status_code == 401
    # and one active login again lets it through
    with database.open_session(factory) as session:
        accounts.read_user_by_name(session, username="ics-off").is_active = True
    assert trained_client.get("/athletes/1/plan.ics", params={"token": token}).status_code == 200


def test_recommendation_fit_is_a_workout_with_timed_steps_and_hr_targets(
    trained_client: TestClient,
) -> None:
    # given today locked to an 80-minute long trail run
    admin = add_user(trained_client.app, username="fit-admin", role="admin")
    _lock_today(trained_client, admin, "long_trail", 80)
    rec = trained_client.get("/athletes/1/recommendation", headers=admin).json()
    # when the FIT workout is downloaded
    response = trained_client.get("/athletes/1/recommendation.fit", headers=admin)
    # then fitdecode reads file_id (workout), workout and warm-up / main / cool-down steps
    assert response.status_code == 200, response.text
    messages = _fit_messages(response.content)
    names = [name for name, _ in messages]
    assert names[0] == "file_id" and messages[0][1]["type"] == "workout"
    workout = dict(messages)["workout"]
    steps = [fields for name, fields in messages if name == "workout_step"]
    assert workout["sport"] == "running" and workout["num_valid_steps"] == len(steps) == 3
    assert [s["intensity"] for s in steps] == ["warmup", "active", "cooldown"]
    assert sum(s["duration_time"] for s in steps) == 80 * 60
    bpm = rec["prescription"]["main_set"]["hr_zone"]["bpm"]
    main = steps[1]
    assert main["target_type"] == "heart_rate"
    assert main["custom_target_heart_rate_low"] - 100 == round(bpm[0])
    assert main["custom_target_heart_rate_high"] - 100 == round(bpm[1])


def test_recommendation_fit_strength_steps_carry_reps_sets_and_load(
    trained_client: TestClient,
) -> None:
    # given today locked to a lower-body strength session
    admin = add_user(trained_client.app, username="fit-lifter", role="admin")
    _lock_today(trained_client, admin, "strength_lower", 45)
    rec = trained_client.get("/athletes/1/recommendation", headers=admin).json()
    exercises = rec["prescription"]["main_set"]["exercises"]
    # when the FIT workout is downloaded
    data = trained_client.get("/athletes/1/recommendation.fit", headers=admin).content
    steps = [f for name, f in _fit_messages(data) if name == "workout_step"]
    # then each exercise is a reps step (weight in kg) followed by rest and a repeat step
    rep_steps = [s for s in steps if s.get("duration_type") == "reps"]
    assert [s["wkt_step_name"] for s in rep_steps] == [
        e["exercise"] for e in exercises if e["reps"] is not None
    ]
    first = next(e for e in exercises if e["reps"] is not None)
    assert rep_steps[0]["duration_reps"] == first["reps"]
    if first["load_kg"] is not None:
        assert rep_steps[0]["exercise_weight"] == first["load_kg"]
    repeats = [s for s in steps if s.get("duration_type") == "repeat_until_steps_cmplt"]
    assert repeats and repeats[0]["repeat_steps"] == first["sets"]
    assert steps[0]["intensity"] == "warmup" and steps[-1]["intensity"] == "cooldown"


def test_recommendation_fit_on_a_rest_day_is_a_404_naming_it(trained_client: TestClient) -> None:
    # given today locked to rest
    admin = add_user(trained_client.app, username="fit-rest", role="admin")
    _lock_today(trained_client, admin, "rest", 0)
    # when the FIT workout is asked for, then 404 saying it is a rest day
    response = trained_client.get("/athletes/1/recommendation.fit", headers=admin)
    assert response.status_code == 404
    assert "rest day" in response.json()["detail"]
