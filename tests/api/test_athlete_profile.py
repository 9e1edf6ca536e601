"""PATCH /athletes/{id}: a profile correction changes only what is sent, and the answers follow."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from tests.api.conftest import add_athlete, make_callers


def test_profile_corrections_change_only_the_fields_sent(empty_app_client: TestClient) -> None:
    client = empty_app_client
    callers = make_callers(client.app, add_athlete(client.app, "Own"), add_athlete(client.app))
    url = f"/athletes/{callers.own}"
    # when the athlete corrects max HR and availability
    week = [45, 60, 0, 60, 45, 150, 120]
    changed = client.patch(url, json={"max_hr": 188, "availability_min": week},
                           headers=callers.athlete)  # fmt: skip
    # then those change and nothing else
    assert changed.status_code == 200, changed.text
    body = client.get(url, headers=callers.athlete).json()
    assert body["max_hr"] == 188 and body["availability_min"] == week and body["name"] == "Own"
    # and a linked coach may correct it too, an unlinked coach or another athlete may not
    assert client.patch(url, json={"goal": "50k"}, headers=callers.coach).status_code == 200
    assert client.patch(url, json={"goal": "x"}, headers=callers.unlinked_coach).status_code == 404
    assert client.patch(url, json={"goal": "x"}, headers=callers.other_athlete).status_code == 404
    # bad values are refused naming the field, and change nothing
    for bad in ({"max_hr": 20}, {"timezone": "Mars/Olympus_Mons"}, {"name": None},
                {"availability_min": [60, 60]}, {"shoe_size": 44}):  # fmt: skip
        refused = client.patch(url, json=bad, headers=callers.admin)
        assert refused.status_code == 422, (bad, refused.text)
        assert next(iter(bad)) in refused.text
    assert client.get(url, headers=callers.admin).json() == body | {"goal": "50k"}


def test_a_new_time_zone_moves_the_athletes_today(empty_app_client: TestClient) -> None:
    client = empty_app_client
    own, other = add_athlete(client.app, "Traveller"), add_athlete(client.app)
    callers = make_callers(client.app, own, other)
    dates = {}
    # given the athlete moves from UTC-11 to UTC+14 (their local dates always differ)
    for zone in ("Pacific/Pago_Pago", "Pacific/Kiritimati"):
        patched = client.patch(f"/athletes/{callers.own}", json={"timezone": zone},
                               headers=callers.athlete)  # fmt: skip
        assert patched.status_code == 200 and patched.json()["timezone"] == zone
        before = dt.datetime.now(dt.UTC).astimezone(ZoneInfo(zone)).date().isoformat()
        rec = client.get(f"/athletes/{callers.own}/recommendation", headers=callers.athlete)
        after = dt.datetime.now(dt.UTC).astimezone(ZoneInfo(zone)).date().isoformat()
        # then today's answer is for the local date of the zone in force
        assert rec.status_code == 200 and rec.json()["date"] in (before, after), rec.text
        dates[zone] = rec.json()["date"]
    assert dates["Pacific/Pago_Pago"] != dates["Pacific/Kiritimati"]
