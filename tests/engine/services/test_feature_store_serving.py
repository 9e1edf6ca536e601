"""Serving from the feature store gives the same answers as building features from the logs."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.coach import coach
from engine.services import feature_store
from engine.services.recommendation import read_history, recommend_for, rules_from_settings
from engine.services.serving import load_champions
from engine.settings import Settings
from engine.store import database
from tests.conftest import TRAINED_END


def _plain(value):  # noqa: ANN001, ANN202
    """The answer with floats rounded to 9 significant digits (the store's morning row may
    differ from the logs' in the last bits of a float)."""
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def test_recommendations_from_the_store_equal_those_from_the_logs(
    trained_settings: Settings,
) -> None:
    models = load_champions(trained_settings)
    assert models.available
    rules = rules_from_settings(trained_settings)
    factory = database.make_session_factory(database.make_engine(trained_settings.database_url))
    end = dt.date.fromisoformat(TRAINED_END) - dt.timedelta(days=1)
    served = 0
    with database.open_session(factory) as session:
        for athlete in (1, 9, 25):
            for today in (end, end - dt.timedelta(days=33)):
                assert (
                    feature_store.read_morning_features(
                        session, athlete_id=athlete, today=today, days=360
                    )
                    is not None
                ), "the store must serve this morning"
                from_store = recommend_for(
                    session,
                    athlete_id=athlete,
                    today=today,
                    models=models,
                    settings=trained_settings,
                )
                history = read_history(session, athlete_id=athlete, today=today)
                morning = coach.prepare_morning(history, today=today)  # features from the logs
                from_logs = coach.recommend_today(morning, models, rules=rules, locks={})
                assert _plain(from_store.to_dict()) == _plain(from_logs.to_dict())
                served += 1
    assert served == 6


@pytest.mark.parametrize("athlete", [3])
def test_a_morning_without_a_stored_row_falls_back_to_the_logs(
    trained_settings: Settings, athlete: int
) -> None:
    """A day after the store's last row (nothing logged yet) is served from the logs."""
    models = load_champions(trained_settings)
    factory = database.make_session_factory(database.make_engine(trained_settings.database_url))
    later = dt.date.fromisoformat(TRAINED_END) + dt.timedelta(days=3)
    with database.open_session(factory) as session:
        assert (
            feature_store.read_morning_features(session, athlete_id=athlete, today=later, days=360)
            is None
        )
        rec = recommend_for(
            session, athlete_id=athlete, today=later, models=models, settings=trained_settings
        )
    assert rec.date == later
