"""Vectorised per-athlete window arithmetic against pandas group-by equivalents."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.panel import Panel, rolling_mean_std, rolling_median, weighted_recent_mean


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    ids = np.repeat([3, 1, 7], [40, 5, 23])  # uneven blocks, not sorted by id
    values = rng.normal(5, 2, len(ids))
    values[rng.uniform(size=len(ids)) < 0.3] = np.nan
    return ids, values


def _grouped(ids: np.ndarray, values: np.ndarray):  # noqa: ANN202
    return pd.Series(values).groupby(ids, sort=False)


@pytest.mark.parametrize("window", [2, 3, 7, 60])
def test_rolling_statistics_match_pandas(data, window: int) -> None:  # noqa: ANN001
    ids, values = data
    panel = Panel.from_ids(ids)
    grouped = _grouped(ids, values)
    roll = grouped.rolling(window, min_periods=2)
    mean, sd = rolling_mean_std(panel, values, window=window, min_periods=2)
    np.testing.assert_allclose(mean, roll.mean().droplevel(0).sort_index(), equal_nan=True)
    np.testing.assert_allclose(sd, roll.std().droplevel(0).sort_index(), equal_nan=True)
    total = grouped.rolling(window, min_periods=1).sum().droplevel(0).sort_index()
    np.testing.assert_allclose(panel.rolling_sum(values, window), total.fillna(0.0))
    median = grouped.rolling(window, min_periods=1).median().droplevel(0).sort_index()
    np.testing.assert_allclose(rolling_median(panel, values, window=window), median, equal_nan=True)


def test_shift_and_ewma_stay_inside_each_athlete(data) -> None:  # noqa: ANN001
    ids, values = data
    panel = Panel.from_ids(ids)
    grouped = _grouped(ids, values)
    np.testing.assert_array_equal(panel.shift(values, 2), grouped.shift(2), strict=False)
    np.testing.assert_array_equal(panel.shift(values, -1), grouped.shift(-1), strict=False)
    clean = np.nan_to_num(values)
    expected = (
        pd.Series(clean)
        .groupby(ids, sort=False)
        .transform(lambda s: s.ewm(alpha=0.25, adjust=False).mean())
    )
    # pandas starts from the first value, Panel.ewma from an initial state: give it that state
    first = np.array([clean[ids == g][0] for g in (3, 1, 7)])
    np.testing.assert_allclose(panel.ewma(clean, 0.25, initial=first), expected)


def test_weighted_recent_mean_skips_missing_days() -> None:
    panel = Panel.from_ids(np.ones(4, dtype=int))
    out = weighted_recent_mean(panel, np.array([8.0, np.nan, 4.0, np.nan]), alpha=0.5, window=3)
    # day 3: values 4 (1 day back, weight 0.5) and nothing else within 3 days -> 4
    np.testing.assert_allclose(out, [8.0, 8.0, (4 + 0.25 * 8) / 1.25, 4.0])


@pytest.mark.parametrize("alpha", [1.0, 0.5, 2 / 8, 2 / 29, 1 / 42])
def test_ewma_is_scipys_first_order_filter_bit_for_bit(data, alpha: float) -> None:  # noqa: ANN001
    from scipy.signal import lfilter

    # given uneven athlete blocks and an initial state per athlete
    ids, values = data
    panel = Panel.from_ids(ids)
    clean = np.nan_to_num(values) * 137.0
    initial = np.array([11.5, 0.0, 903.25])
    # then the day-by-day recursion equals scipy's filter exactly (stored features keep their
    # bits whichever implementation built them)
    grid = panel.to_2d(clean, fill=0.0)
    zi = ((1.0 - alpha) * initial)[:, None]
    expected, _ = lfilter([alpha], [1.0, -(1.0 - alpha)], grid, axis=1, zi=zi)
    assert np.array_equal(panel.ewma(clean, alpha, initial=initial), panel.to_rows(expected))
    assert np.array_equal(panel.ewma(clean, alpha), panel.ewma(clean, alpha, initial=initial * 0))
