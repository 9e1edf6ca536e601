"""The population readiness model learns the individual: a shrunk per-athlete offset."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from engine.coach.personalisation import personalise, readiness_offset
from engine.coach.scoring import ModelSet
from engine.services.training import prepare_frame
from models.families import fit_family
from models.personal import shrunk_offset
from models.selection import INJURY, READINESS, target_rows
from pipelines.features import FEATURE_COLUMNS, build_daily_features
from pipelines.simulator.cohort import simulate_cohort


@pytest.fixture(scope="module")
def table():  # noqa: ANN201
    end = dt.date(2025, 6, 1)
    cohort = simulate_cohort(n_athletes=6, n_days=120, seed=9, start=end - dt.timedelta(days=120))
    frame = build_daily_features(
        cohort.sessions, cohort.wellness, cohort.injuries, athletes=cohort.athletes
    )
    return prepare_frame(frame)[0]


def _models(table, source: str) -> ModelSet:  # noqa: ANN001
    readiness = fit_family(
        READINESS, "athlete_mean", table[target_rows(READINESS, table)], columns=FEATURE_COLUMNS
    )
    injury = fit_family(
        INJURY, "recency", table[target_rows(INJURY, table)], columns=FEATURE_COLUMNS
    )
    return ModelSet(readiness, injury, {"r": 1, "i": 1}, source=source)


def test_shrunk_offset_grows_with_the_history() -> None:
    assert shrunk_offset(np.array([])) == 0.0
    short, long = shrunk_offset(np.full(7, 10.0)), shrunk_offset(np.full(112, 10.0))
    assert 0 < short < long < 10.0


def test_population_model_gets_the_athletes_offset(table) -> None:  # noqa: ANN001
    models = _models(table, "population")
    daily = table[table["athlete_id"] == table["athlete_id"].min()]
    offset, n = readiness_offset(models.readiness, daily)
    personal = personalise(models, daily)
    X = daily[list(FEATURE_COLUMNS)].to_numpy(float)[:5]  # noqa: N806
    assert n > 30 and offset != 0.0
    assert np.allclose(personal.readiness.predict(X), models.readiness.predict(X) + offset)
    assert personal.injury is models.injury


def test_own_data_models_are_served_as_they_are(table) -> None:  # noqa: ANN001
    models = _models(table, "own_data")
    assert personalise(models, table) is models
