"""The running API serves a newly promoted champion without a restart."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from api.main import create_app
from engine.services import model_registry
from engine.settings import Settings
from tests.api.conftest import add_user
from tests.conftest import TRAINED_END
from tests.model_helpers import register_copy_of_champion


def _served(client: TestClient, *, expected: int, timeout_s: float = 10.0) -> int:
    """Poll /health until the readiness version is ``expected`` (reloads run in the background)."""
    deadline = time.monotonic() + timeout_s
    while True:
        served = client.get("/health").json()["models"]["cairn-readiness"]
        if served == expected or time.monotonic() > deadline:
            return served
        time.sleep(0.1)


def test_api_answers_with_the_new_champion_after_promotion(
    trained_api_settings: Settings,
) -> None:
    settings = trained_api_settings.model_copy(update={"model_refresh_s": 0.2})
    with TestClient(create_app(settings)) as client:
        headers = add_user(client.app, username="admin", role="admin")
        before = client.get("/health").json()["models"]
        assert before == {"cairn-readiness": 1, "cairn-injury": 1}
        # When v2 is promoted in the registry while the app runs
        v2 = register_copy_of_champion(settings, target="readiness")
        model_registry.promote(settings, name="cairn-readiness", version=v2, reason="test")
        # Then within a refresh interval the requests are served by v2, with no restart
        assert _served(client, expected=v2) == v2
        rec = client.get(
            "/athletes/1/recommendation", params={"date": TRAINED_END}, headers=headers
        )
        assert rec.status_code == 200, rec.text
        assert rec.json()["model_versions"] == {"cairn-readiness": v2, "cairn-injury": 1}
        # And a rollback is picked up the same way
        model_registry.rollback(settings, name="cairn-readiness")
        assert _served(client, expected=1) == 1
