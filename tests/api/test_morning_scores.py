"""GET /athletes/{id}/morning-scores serves what ``cairn nightly`` wrote, behind the same
access rules as every athlete route."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from api.main import create_app
from engine.coach.batch import batch_candidates
from engine.services.nightly import run_nightly
from engine.services.serving import load_champions
from engine.settings import Settings
from tests.api.conftest import add_user
from tests.conftest import TRAINED_END


def test_morning_scores_serve_the_nightly_batch(trained_api_settings: Settings) -> None:
    day = dt.date.fromisoformat(TRAINED_END)
    with TestClient(create_app(trained_api_settings)) as client:
        admin = add_user(client.app, username="admin", role="admin")
        other = add_user(client.app, username="a9", role="athlete", athlete_id=9)
        path = f"/athletes/3/morning-scores?date={day}"
        # given no batch yet: 404; and another athlete may not look
        assert client.get(path, headers=admin).status_code == 404
        assert client.get(path, headers=other).status_code in (403, 404)
        assert client.get(path).status_code == 401
        # when the nightly batch runs for the day
        models = load_champions(trained_api_settings)
        run_nightly(client.app.state.session_factory, day=day, models=models)
        answer = client.get(path, headers=admin)
    # then every candidate is scored with the champions' versions
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["date"] == day.isoformat() and body["degraded"] is False
    assert body["model_versions"] == models.versions
    assert len(body["candidates"]) == len(batch_candidates())
    assert all(0 <= c["injury_risk"] <= 1 for c in body["candidates"])
