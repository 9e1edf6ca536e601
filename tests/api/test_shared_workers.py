"""Several API workers on one PostgreSQL database and one registry share what they cache:
a log written through one worker is in the next answer of another (the morning cache keys on
the stored log fingerprint, the feature store is marked dirty by the database itself), and a
newly promoted champion is served by every worker within the refresh interval."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from api.main import create_app
from engine.services import model_registry
from engine.settings import Settings
from engine.store import database, logbook
from pipelines.schemas import SESSION_COLUMNS, WELLNESS_COLUMNS, conform
from tests.api.conftest import add_user
from tests.api.test_model_reload import _served
from tests.factories import make_training_log
from tests.model_helpers import register_copy_of_champion

DAY = dt.date(2025, 2, 25)  # the last day of the factory's 8 weeks of logs


def test_two_workers_on_postgresql_share_logs_and_champions(
    trained_api_settings: Settings, postgres_url: str
) -> None:
    settings = trained_api_settings.model_copy(
        update={"database_url": postgres_url, "model_refresh_s": 0.2}
    )
    path = f"/athletes/1/recommendation?date={DAY}"
    with (
        TestClient(create_app(settings)) as a,
        TestClient(create_app(settings)) as b,
    ):
        # given an athlete with 8 weeks of logs in the shared database
        sessions, wellness, injuries = make_training_log(days=56)
        with database.open_session(a.app.state.session_factory) as session:
            logbook.create_athlete(session, data={"name": "Shared"})
            logbook.bulk_insert_logs(
                session,
                sessions=conform(sessions, SESSION_COLUMNS, name="sessions"),
                wellness=conform(wellness, WELLNESS_COLUMNS, name="wellness"),
                injuries=injuries,
            )
        headers = add_user(a.app, username="admin", role="admin")  # both sign with one secret
        before = b.get(path, headers=headers).json()
        assert b.get(path, headers=headers).json() == before  # B's cached answer
        # when a bad morning is logged through worker A
        checkin = {"date": DAY.isoformat(), "sleep_h": 3.0, "soreness": 5, "fatigue": 5}
        assert a.post("/athletes/1/wellness", json=checkin, headers=headers).status_code in (
            200,
            201,
        )
        # then B's next answer reflects it, and equals A's
        after_b = b.get(path, headers=headers).json()
        after_a = a.get(path, headers=headers).json()
        assert after_b != before
        assert after_b == after_a
        # when a new readiness champion is promoted in the shared registry
        v2 = register_copy_of_champion(settings, target="readiness")
        model_registry.promote(settings, name="cairn-readiness", version=v2, reason="test")
        # then both workers serve it
        assert _served(a, expected=v2) == v2
        assert _served(b, expected=v2) == v2
        for worker in (a, b):
            versions = worker.get(path, headers=headers).json()["model_versions"]
            assert versions == {"cairn-readiness": v2, "cairn-injury": 1}
