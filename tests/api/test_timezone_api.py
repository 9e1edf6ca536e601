"""The athlete's time zone over HTTP: stored, checked, and "today" is their local date."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from tests.api.conftest import add_user


def test_today_is_the_athletes_local_date(empty_app_client: TestClient) -> None:
    client = empty_app_client
    admin = add_user(client.app, username="tz-admin", role="admin")
    # given an athlete 14 hours ahead of UTC
    created = client.post(
        "/athletes", json={"name": "Kiri", "timezone": "Pacific/Kiritimati"}, headers=admin
    )
    assert created.status_code == 201, created.text
    athlete = created.json()
    assert athlete["timezone"] == "Pacific/Kiritimati"
    zone = ZoneInfo("Pacific/Kiritimati")
    # when today's recommendation and plan are asked without a date
    before = dt.datetime.now(dt.UTC).astimezone(zone).date()
    rec = client.get(f"/athletes/{athlete['id']}/recommendation", headers=admin)
    plan = client.get(f"/athletes/{athlete['id']}/plan", params={"days": 1}, headers=admin)
    after = dt.datetime.now(dt.UTC).astimezone(zone).date()
    # then both are for the athlete's local date, not the server's
    assert rec.status_code == 200 and plan.status_code == 200, rec.text
    assert rec.json()["date"] in (before.isoformat(), after.isoformat())
    assert plan.json()["date"] == rec.json()["date"]


def test_a_bad_time_zone_is_refused_naming_the_field(empty_app_client: TestClient) -> None:
    admin = add_user(empty_app_client.app, username="tz-admin2", role="admin")
    response = empty_app_client.post(
        "/athletes", json={"name": "X", "timezone": "Mars/Olympus_Mons"}, headers=admin
    )
    assert response.status_code == 422 and "timezone" in response.text
    listed = empty_app_client.get("/athletes", headers=admin).json()
    assert listed["count"] == 0


def test_a_plan_for_next_week_reports_no_missed_session(empty_app_client: TestClient) -> None:
    client = empty_app_client
    admin = add_user(client.app, username="tz-admin3", role="admin")
    athlete = client.post("/athletes", json={"name": "Future"}, headers=admin).json()["id"]
    next_week = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=7)).isoformat()
    # when next week's plan is asked (nothing can be logged there yet)
    plan = client.get(f"/athletes/{athlete}/plan", params={"date": next_week}, headers=admin)
    assert plan.status_code == 200, plan.text
    # then no day is reported as "not logged"
    body = plan.json()
    assert not any("not logged" in " ".join(c["why"]) for c in body["changes"])
    assert not any("not logged" in note for note in body["notes"])


def test_load_and_web_pages_default_to_the_athletes_local_date(
    empty_app_client: TestClient,
) -> None:
    client = empty_app_client
    admin = add_user(client.app, username="tz-admin4", role="admin")
    # given an athlete 14 hours ahead of UTC and one 11 hours behind: at every moment of the
    # day their local dates differ, so at least one of them differs from the server's date
    days = {}
    for name, zone in (("Kiri", "Pacific/Kiritimati"), ("Pago", "Pacific/Pago_Pago")):
        created = client.post("/athletes", json={"name": name, "timezone": zone}, headers=admin)
        athlete = created.json()["id"]
        local = dt.datetime.now(dt.UTC).astimezone(ZoneInfo(zone)).date().isoformat()
        # when the load history and the web log page are read without a date
        load = client.get(f"/athletes/{athlete}/load", headers=admin)
        client.cookies.set("cairn_session", admin["Authorization"].removeprefix("Bearer "))
        page = client.get(f"/app/athletes/{athlete}/log")
        client.cookies.clear()
        # then both end on the athlete's local date (the load's last day, the form's default)
        assert load.status_code == 200 and page.status_code == 200, load.text
        assert load.json()["data"][-1]["date"] == local
        assert f'name="date" value="{local}"' in page.text
        days[name] = local
    assert days["Kiri"] != days["Pago"]
