"""Splits never leak the future or the held-out athletes; metrics and intervals behave."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from models.evaluate import (
    bootstrap_roc_auc,
    calibration_fold,
    calibration_table,
    fast_roc_auc,
    forward_chaining_splits,
    readiness_baselines,
    split_by_time,
)


@pytest.fixture
def frame() -> pd.DataFrame:
    dates = pd.date_range("2025-01-01", periods=200, freq="D")
    return pd.DataFrame(
        {
            "athlete_id": np.repeat(np.arange(1, 11), len(dates)),
            "date": np.tile(dates, 10),
        }
    )


def test_split_by_time_embargo_and_unseen_athletes(frame: pd.DataFrame) -> None:
    split = split_by_time(frame, test_fraction=0.2, athlete_fraction=0.2, random_state=3)
    train, test = frame[split.train], frame[split.test]
    assert train["date"].max() < split.cutoff - pd.Timedelta(days=7)
    assert test["date"].min() == split.cutoff
    unseen = set(test["athlete_id"]) - set(train["athlete_id"])
    assert len(unseen) == 2 and not (split.train & split.test).any()


def test_forward_chaining_folds_move_forward(frame: pd.DataFrame) -> None:
    splits = list(forward_chaining_splits(frame, n_splits=3, test_days=14, random_state=0))
    assert len(splits) == 3
    cutoffs = [s.cutoff for s in splits]
    assert cutoffs == sorted(cutoffs)
    held = None
    for s in splits:
        train, test = frame[s.train], frame[s.test]
        assert train["date"].max() < test["date"].min() - pd.Timedelta(days=7)
        assert test["date"].nunique() == 14
        unseen = set(test["athlete_id"]) - set(train["athlete_id"])
        held = unseen if held is None else held
        assert unseen == held and len(unseen) == 2
    assert frame[splits[-1].test]["date"].max() == frame["date"].max()


def test_calibration_fold_is_later_than_the_fitting_rows(frame: pd.DataFrame) -> None:
    split = split_by_time(frame, test_fraction=0.2)
    fit, calibrate = calibration_fold(frame, split.train, fraction=0.25)
    assert frame[fit]["date"].max() < frame[calibrate]["date"].min() - pd.Timedelta(days=6)
    assert not (fit & calibrate).any() and (split.train >= (fit | calibrate)).all()


def test_bootstrap_interval_brackets_the_estimate() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    score = y + rng.normal(0, 1.0, 400)
    low, high = bootstrap_roc_auc(y, score, n_boot=150, random_state=1)
    groups = np.repeat(np.arange(20), 20)
    g_low, g_high = bootstrap_roc_auc(y, score, groups=groups, n_boot=150, random_state=1)
    from sklearn.metrics import roc_auc_score

    auc = roc_auc_score(y, score)
    assert low < auc < high and g_low < auc < g_high
    assert low > 0.5 and high < 1


def test_calibration_table_of_perfect_forecasts() -> None:
    rng = np.random.default_rng(2)
    p = rng.uniform(0, 0.3, 20_000)
    y = (rng.uniform(size=p.size) < p).astype(int)
    table = calibration_table(y, p, n_bins=5)
    np.testing.assert_allclose(table["observed"], table["predicted"], atol=0.02)


def test_readiness_baselines_fall_back_in_order() -> None:
    frame = pd.DataFrame(
        {
            "readiness_today": [70.0, np.nan, np.nan],
            "readiness_ewm": [65.0, 60.0, np.nan],
            "readiness_score_base": [50.0, 55.0, np.nan],
        }
    )
    base = readiness_baselines(frame)
    np.testing.assert_allclose(base["persistence"], [70.0, 60.0, 52.5])
    np.testing.assert_allclose(base["ewma"], [65.0, 60.0, 52.5])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fast_roc_auc_equals_sklearn_with_ties(seed: int) -> None:
    # given labels and scores rounded so that many scores tie, across both classes
    rng = np.random.default_rng(seed)
    y = (rng.random(400) < 0.2).astype(int)
    score = np.round(rng.random(400) + 0.3 * y, 1)
    # then the rank-sum AUC is sklearn's, and one class only is NaN
    assert fast_roc_auc(y, score) == pytest.approx(roc_auc_score(y, score), abs=1e-12)
    assert np.isnan(fast_roc_auc(np.zeros(5), np.arange(5.0)))
