"""Logs written through the API refresh the feature store in the same transaction."""

from __future__ import annotations

import numpy as np
import pandas as pd
from fastapi.testclient import TestClient

from api.main import create_app
from engine.services import feature_store
from engine.settings import Settings
from engine.store import database
from pipelines.feature_rows import stored_columns
from tests.api.conftest import add_user


def _stored(app) -> pd.DataFrame:  # noqa: ANN001
    with database.open_session(app.state.session_factory) as session:
        return feature_store.read_features(session)


def test_api_logs_keep_the_store_equal_to_a_rebuild(api_settings: Settings) -> None:
    with TestClient(create_app(api_settings)) as client:
        client.headers.update(add_user(client.app, username="admin", role="admin"))
        aid = client.post("/athletes", json={"name": "Ana", "birth_year": 1990}).json()["id"]
        for day in range(1, 11):
            checkin = {"date": f"2025-06-{day:02d}", "sleep_h": 7.5, "soreness": 2}
            assert client.post(f"/athletes/{aid}/wellness", json=checkin).status_code == 201
        run = {
            "date": "2025-06-04",
            "kind": "run",
            "type": "easy_trail",
            "duration_min": 50,
            "rpe": 4,
        }
        assert client.post(f"/athletes/{aid}/sessions", json=run).status_code == 201
        before = client.get(f"/athletes/{aid}/recommendation", params={"date": "2025-06-10"})
        tempo = {"date": "2025-06-09", "kind": "run", "type": "tempo", "duration_min": 70, "rpe": 8}
        assert client.post(f"/athletes/{aid}/sessions", json=tempo).status_code == 201
        injury = {"start_date": "2025-06-08", "body_part": "knee", "severity": "minor"}
        assert client.post(f"/athletes/{aid}/injuries", json=injury).status_code == 201
        after = client.get(f"/athletes/{aid}/recommendation", params={"date": "2025-06-10"})
        stored = _stored(client.app)
        with database.open_session(client.app.state.session_factory) as session:
            feature_store.rebuild_features(session)
        rebuilt = _stored(client.app)
    assert len(stored) == 10 and stored["date"].max() == pd.Timestamp("2025-06-10")
    np.testing.assert_allclose(
        stored[list(stored_columns())].to_numpy(float),
        rebuilt[list(stored_columns())].to_numpy(float),
        rtol=1e-9,
        atol=1e-9,
        equal_nan=True,
    )
    day9 = stored[stored["date"] == pd.Timestamp("2025-06-09")].iloc[0]
    assert day9["load_total"] == 70 * 8 and day9["injured"] == 1.0
    assert before.status_code == after.status_code == 200
    assert before.json() != after.json()  # the new logs reach the next answer


def test_the_nightly_scores_are_served(trained_api_settings: Settings) -> None:
    import datetime as dt

    from engine.services import nightly
    from engine.services.serving import load_champions
    from tests.conftest import TRAINED_END

    day = dt.date.fromisoformat(TRAINED_END)
    with TestClient(create_app(trained_api_settings)) as client:
        client.headers.update(add_user(client.app, username="admin", role="admin"))
        missing = client.get("/athletes/2/morning-scores", params={"date": day.isoformat()})
        with database.open_session(client.app.state.session_factory) as session:
            nightly.run_nightly(session, day=day, models=load_champions(trained_api_settings))
        served = client.get("/athletes/2/morning-scores", params={"date": day.isoformat()})
    assert missing.status_code == 404
    assert served.status_code == 200
    body = served.json()
    assert body["athlete_id"] == 2 and body["date"] == day.isoformat()
    assert len(body["candidates"]) == 32 and not body["degraded"]
    assert all(0 <= c["injury_risk"] <= 1 for c in body["candidates"])
