"""Behavioural tests of the fitted models: direction, invariance, minimum functionality."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from models.evaluate import split_by_time
from models.train import fit_injury, fit_readiness
from pipelines.features import FEATURE_COLUMNS, apply_candidate_sessions, build_daily_features
from pipelines.simulator.cohort import simulate_cohort


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    cohort = simulate_cohort(n_athletes=60, n_days=240, seed=5, start=dt.date(2025, 1, 6))
    return build_daily_features(
        cohort.sessions, cohort.wellness, cohort.injuries, athletes=cohort.athletes
    )


@pytest.fixture(scope="module")
def fitted(table: pd.DataFrame):  # noqa: ANN201
    split = split_by_time(table, athlete_fraction=0.2, random_state=1)
    small = {"n_estimators": 120}
    readiness = fit_readiness(
        table, split, columns=FEATURE_COLUMNS, params=small, with_figures=False
    )
    injury = fit_injury(table, split, columns=FEATURE_COLUMNS, params=small, with_figures=False)
    return readiness, injury


def _run(minutes: float, rpe: float) -> dict:
    return {
        "kind": "run",
        "type": "tempo",
        "duration_min": minutes,
        "rpe": rpe,
        "distance_km": minutes / 6,
        "elevation_gain_m": 5 * minutes,
        "elevation_loss_m": 5 * minutes,
    }


def test_readiness_beats_naive_baselines(fitted) -> None:  # noqa: ANN001
    metrics = fitted[0].metrics
    assert metrics["mae"] < metrics["baseline_persistence_mae"]
    assert metrics["mae"] < metrics["baseline_ewma_mae"]


def test_more_load_today_never_raises_predicted_readiness(table, fitted) -> None:  # noqa: ANN001
    # Given 150 real athlete-days, when the same day gets more and more training on top
    model = fitted[0].model
    candidates = pd.DataFrame(
        [{"kind": "rest", "type": "rest", "duration_min": 0.0, "rpe": np.nan}]
        + [_run(m, r) for m, r in ((30, 3), (45, 5), (60, 6), (90, 7), (120, 8), (180, 9))]
    )
    rows = table.sample(150, random_state=0)
    for _, row in rows.iterrows():
        X = apply_candidate_sessions(row.to_frame().T.infer_objects(), candidates)
        pred = model.predict(X)
        # Then predicted next-day readiness never goes up with the load
        assert np.all(np.diff(pred) <= 1e-9), pred
    # (guaranteed by monotone constraints; the non-monotone monotony/strain are never split on)
    assert (fitted[0].importance.loc[["monotony", "strain"], "gain"] == 0).all()


def test_irrelevant_columns_change_nothing(table, fitted) -> None:  # noqa: ANN001
    rows = table.sample(300, random_state=1)
    noisy = rows.assign(athlete_name="someone", lucky_number=np.arange(len(rows)))
    shuffled = noisy[list(reversed(noisy.columns))]
    for result in fitted:
        predict = getattr(result.model, "predict_proba", result.model.predict)
        np.testing.assert_array_equal(predict(rows), predict(shuffled))


def test_readiness_minimum_functionality(table, fitted) -> None:  # noqa: ANN001
    # Given the same athlete-day, one version rested and fresh, one exhausted
    model = fitted[0].model
    base = table.sample(40, random_state=2)
    fresh = base.assign(
        readiness_today=90.0,
        readiness_ewm=85.0,
        readiness_mean_7d=85.0,
        sleep_h=8.5,
        soreness=1.0,
        fatigue=1.0,
        load_total=0.0,
        atl=0.0,
        acwr_ewma=0.6,
    )
    tired = base.assign(
        readiness_today=30.0,
        readiness_ewm=35.0,
        readiness_mean_7d=35.0,
        sleep_h=4.5,
        soreness=5.0,
        fatigue=5.0,
        load_total=900.0,
        atl=500.0,
        acwr_ewma=2.0,
    )
    # Then the fresh version is predicted more ready every time, by a clear margin
    gap = model.predict(fresh) - model.predict(tired)
    assert np.all(gap > 10), gap


def test_injury_probabilities_are_calibrated_in_the_large(fitted) -> None:  # noqa: ANN001
    result = fitted[1]
    rate = result.metrics["event_rate"]
    assert result.test_pred.min() >= 0 and result.test_pred.max() <= 1
    assert result.test_pred.std() > 0
    assert abs(result.test_pred.mean() - rate) < 0.5 * rate
    assert result.metrics["brier"] <= result.metrics["uncalibrated_brier"] + 1e-3
