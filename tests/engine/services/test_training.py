"""Training, registration and the champion/challenger decision on a real MLflow store."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.services.training import tracking_store, train_and_register
from engine.settings import Settings
from engine.store import database
from models import tracking
from tests.conftest import TRAINED_END


@pytest.mark.slow  # a second full training run on the trained cohort
def test_retrain_on_same_data_keeps_champion(trained_settings: Settings) -> None:
    # Given a store whose champions are v1, when we retrain on the same data with the same seed,
    # then v2 becomes challenger and the champion stays v1 (it is not better).
    engine = database.make_engine(trained_settings.database_url)
    factory = database.make_session_factory(engine)
    with database.open_session(factory) as session:
        report = train_and_register(
            session, trained_settings, today=dt.date.fromisoformat(TRAINED_END)
        )
    store = tracking_store(trained_settings)
    for outcome in report.outcomes:
        assert outcome.version == 2 and not outcome.promoted
        assert tracking.read_alias_version(store, name=outcome.name, alias="champion") == 1
        assert tracking.read_alias_version(store, name=outcome.name, alias="challenger") == 2
        assert "does not beat" in outcome.reason


def test_first_training_logs_baselines(trained_settings: Settings) -> None:
    store = tracking_store(trained_settings)
    for name in ("cairn-readiness", "cairn-injury"):
        (version,) = tracking.list_model_versions(store, name=name)
        assert version["aliases"] == ["challenger", "champion"]
        assert any("baseline" in key for key in version["metrics"])
