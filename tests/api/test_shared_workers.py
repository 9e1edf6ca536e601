"""Two API processes' worth of app state on one database: a log written through one worker
is in the next answer of the other (its morning cache keys on the stored log fingerprint)."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from api.main import create_app
from engine.settings import Settings
from tests.api.conftest import add_user
from tests.conftest import TRAINED_END


def test_a_log_through_one_worker_reaches_the_other(trained_api_settings: Settings) -> None:
    day = (dt.date.fromisoformat(TRAINED_END) - dt.timedelta(days=1)).isoformat()
    path = f"/athletes/3/recommendation?date={day}"
    with (
        TestClient(create_app(trained_api_settings)) as a,
        TestClient(create_app(trained_api_settings)) as b,
    ):
        headers = add_user(a.app, username="admin", role="admin")
        b_headers = dict(headers)  # both workers sign with the configured secret
        before = b.get(path, headers=b_headers).json()
        assert b.get(path, headers=b_headers).json() == before  # served from B's cache
        checkin = {"date": day, "sleep_h": 3.0, "soreness": 5, "fatigue": 5, "pain": True}
        assert a.post("/athletes/3/wellness", json=checkin, headers=headers).status_code in (
            200,
            201,
        )
        after_b = b.get(path, headers=b_headers).json()
        after_a = a.get(path, headers=headers).json()
    assert after_b != before
    assert after_b == after_a
