"""Through the API: a check-in prepares today's answer after the response, the next request
is served from it (equal to a computation), and a second worker serves it too."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from engine.coach import coach
from engine.services.calendar import athlete_today
from engine.settings import Settings
from engine.store import database, prepared_answers
from engine.store.prepared_answers import StoredAnswer
from tests.api.conftest import add_user


def _computations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that gets an item each time a morning is computed (not served prepared)."""
    computed: list[int] = []
    real = coach.prepare_morning
    monkeypatch.setattr(
        coach, "prepare_morning", lambda *a, **k: computed.append(1) or real(*a, **k)
    )
    return computed


def _unprepared_today(client: TestClient, settings: Settings, athlete_id: int) -> dt.date:
    """The athlete's today, checked to have no prepared answer yet."""
    with database.open_session(client.app.state.session_factory) as session:
        today = athlete_today(session, athlete_id=athlete_id, settings=settings)
        assert prepared_answers.read_answer(session, athlete_id=athlete_id, day=today) is None
    return today


def _prepared(client: TestClient, athlete_id: int, day: dt.date) -> StoredAnswer | None:
    with database.open_session(client.app.state.session_factory) as session:
        return prepared_answers.read_answer(session, athlete_id=athlete_id, day=day)


def test_a_checkin_prepares_todays_answer_for_every_worker(
    trained_api_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with TestClient(create_app(trained_api_settings)) as client:
        me = add_user(client.app, username="a4", role="athlete", athlete_id=4)
        factory = client.app.state.session_factory
        with database.open_session(factory) as session:
            today = athlete_today(session, athlete_id=4, settings=trained_api_settings)
            assert prepared_answers.read_answer(session, athlete_id=4, day=today) is None
        # when the athlete logs this morning's check-in (a bad night)
        checkin = {"date": today.isoformat(), "sleep_h": 4.0, "soreness": 4, "fatigue": 4}
        assert client.post("/athletes/4/wellness", json=checkin, headers=me).status_code == 201
        # then today's answer is prepared after the response
        with database.open_session(factory) as session:
            stored = prepared_answers.read_answer(session, athlete_id=4, day=today)
        assert stored is not None
        # and a second worker (a new app: its own caches) serves it without computing
        computed = _computations(monkeypatch)
        with TestClient(create_app(trained_api_settings)) as other:
            served = other.get("/athletes/4/recommendation", headers=me)
        assert served.status_code == 200, served.text
        assert computed == []
        assert served.json()["date"] == today.isoformat()
        assert served.json()["reasons"] == stored.answer["reasons"]
        # and a later check-in (changed inputs) is never answered from the old row
        worse = {**checkin, "pain": True}
        assert client.post("/athletes/4/wellness", json=worse, headers=me).status_code == 200
        with TestClient(create_app(trained_api_settings)) as third:
            after = third.get("/athletes/4/recommendation", headers=me).json()
    assert after["reasons"] != stored.answer["reasons"]
    assert any("pain" in r for r in after["reasons"])


def test_a_coachs_lock_and_a_race_prepare_the_new_answer(
    trained_api_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with TestClient(create_app(trained_api_settings)) as client:
        admin = add_user(client.app, username="admin", role="admin")
        factory = client.app.state.session_factory
        with database.open_session(factory) as session:
            today = athlete_today(session, athlete_id=6, settings=trained_api_settings)
        before = client.get("/athletes/6/recommendation", headers=admin).json()
        lock = {"type": "long_trail", "duration_min": 120, "note": "club run"}
        day = (today + dt.timedelta(days=1)).isoformat()
        put = client.put(f"/athletes/6/plan/locks/{day}", json=lock, headers=admin)
        assert put.status_code == 201, put.text
        with database.open_session(factory) as session:
            after_lock = prepared_answers.read_answer(session, athlete_id=6, day=today)
        race = {"date": (today + dt.timedelta(days=10)).isoformat(), "name": "Trail 25k",
                "distance_km": 25, "climb_m": 900, "priority": "A"}  # fmt: skip
        assert client.post("/athletes/6/events", json=race, headers=admin).status_code == 201
        with database.open_session(factory) as session:
            after_race = prepared_answers.read_answer(session, athlete_id=6, day=today)
    # each write left a prepared answer for its new inputs
    assert after_lock is not None and after_race is not None
    assert after_race.inputs_key != after_lock.inputs_key
    computed = _computations(monkeypatch)
    with TestClient(create_app(trained_api_settings)) as other:
        served = other.get("/athletes/6/recommendation", headers=admin).json()
    assert computed == []
    assert served == {**served, "reasons": after_race.answer["reasons"]}
    assert served["date"] == before["date"]


def test_a_session_logged_in_the_web_app_prepares_the_new_answer(
    trained_api_settings: Settings,
) -> None:
    with TestClient(create_app(trained_api_settings), base_url="https://testserver") as client:
        admin = add_user(client.app, username="admin", role="admin")
        factory = client.app.state.session_factory
        with database.open_session(factory) as session:
            today = athlete_today(session, athlete_id=8, settings=trained_api_settings)
        client.cookies.set("cairn_session", admin["Authorization"].removeprefix("Bearer "))
        client.cookies.set("cairn_csrf", "test-csrf-token")
        form = {"csrf_token": "test-csrf-token", "date": today.isoformat(), "kind": "run",
                "type": "easy_trail", "duration_min": "40", "rpe": "4"}  # fmt: skip
        posted = client.post("/app/athletes/8/sessions", data=form, follow_redirects=False)
        assert posted.status_code == 303, posted.text
        with database.open_session(factory) as session:
            stored = prepared_answers.read_answer(session, athlete_id=8, day=today)
    # today's answer was prepared after the write (nothing had asked for it)
    assert stored is not None
    assert stored.answer["date"] == today.isoformat()


def test_an_import_prepares_todays_answer_and_a_duplicate_import_keeps_it(
    trained_api_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with TestClient(create_app(trained_api_settings)) as client:
        me = add_user(client.app, username="a7", role="athlete", athlete_id=7)
        today = _unprepared_today(client, trained_api_settings, 7)
        # when the athlete imports a check-in file with this morning's pain in it
        csv = (f"date,sleep_h,soreness,fatigue,pain\n{today.isoformat()},5.0,4,4,true\n").encode()
        files = [("files", ("checkins.csv", csv))]
        imported = client.post("/athletes/7/imports", files=files, headers=me)
        assert imported.status_code == 201, imported.text
        # then today's answer is prepared after the response, and it knows about the pain
        stored = _prepared(client, 7, today)
        assert stored is not None
        assert any("pain" in r for r in stored.answer["reasons"])
        # and the same file again (nothing new) leaves it as it was
        again = client.post("/athletes/7/imports", files=files, headers=me)
        assert again.status_code == 200, again.text
        kept = _prepared(client, 7, today)
        assert kept is not None and kept.inputs_key == stored.inputs_key
    # and another worker serves it without computing
    computed = _computations(monkeypatch)
    with TestClient(create_app(trained_api_settings)) as other:
        served = other.get("/athletes/7/recommendation", headers=me)
    assert served.status_code == 200, served.text
    assert computed == [] and served.json()["reasons"] == stored.answer["reasons"]


def test_a_file_imported_in_the_web_app_prepares_the_new_answer(
    trained_api_settings: Settings,
) -> None:
    with TestClient(create_app(trained_api_settings), base_url="https://testserver") as client:
        admin = add_user(client.app, username="admin", role="admin")
        today = _unprepared_today(client, trained_api_settings, 9)
        client.cookies.set("cairn_session", admin["Authorization"].removeprefix("Bearer "))
        client.cookies.set("cairn_csrf", "test-csrf-token")
        csv = f"date,sleep_h,soreness,fatigue,pain\n{today.isoformat()},5.0,4,4,true\n"
        posted = client.post(
            "/app/athletes/9/imports",
            data={"csrf_token": "test-csrf-token"},
            files=[("files", ("checkins.csv", csv.encode()))],
        )
        assert posted.status_code == 200, posted.text
        stored = _prepared(client, 9, today)
    # today's answer was prepared after the upload, with the imported pain in it
    assert stored is not None
    assert any("pain" in r for r in stored.answer["reasons"])
