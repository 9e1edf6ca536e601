"""Wellness features: check-ins against the athlete's own baselines, and the readiness score."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.panel import Panel, rolling_mean_std, rolling_median, weighted_recent_mean

BASELINE_WINDOWS = (7, 60)  # days of personal baseline for the z-scores (short and long)
BASELINE_MIN_PERIODS = 5
READINESS_BASE_DAYS = 28  # the athlete's own mean readiness ("readiness_score_base")
READINESS_EWM_ALPHA = 2.0 / (7 + 1)  # span 7 days
READINESS_EWM_WINDOW = 28
Z_ITEMS = ("sleep_h", "sleep_quality", "soreness", "fatigue", "mood", "stress", "resting_hr")
SLEEP_NEED_H = 8.0
SCALE_MIN_PAIRS = 5  # earlier days with self-report and composite before the mapping is used
Z_CLIP = 4.0
_MIN_SD = {"sleep_h": 0.5, "resting_hr": 2.0, "hrv_ln": 0.05}  # others: 0.5 scale points

# Composite readiness (0-100) when the athlete gave no self-report: the mean of the available
# items, each mapped to 0-1 where 1 is best.
_COMPOSITE = {
    "sleep_h": lambda x: np.clip(x / SLEEP_NEED_H, 0.0, 1.0),
    "sleep_quality": lambda x: (x - 1.0) / 4.0,
    "mood": lambda x: (x - 1.0) / 4.0,
    "soreness": lambda x: (5.0 - x) / 4.0,
    "fatigue": lambda x: (5.0 - x) / 4.0,
    "stress": lambda x: (5.0 - x) / 4.0,
}


def readiness_score(wellness: pd.DataFrame) -> pd.Series:
    """Readiness of each check-in on a 0-100 scale.

    The athlete's own 0-10 readiness x 10 when reported; otherwise the composite: 100 x the mean
    of sleep_h / 8 h (capped at 1), (sleep_quality - 1) / 4, (mood - 1) / 4, (5 - soreness) / 4,
    (5 - fatigue) / 4 and (5 - stress) / 4 over the items present, mapped onto the athlete's
    own self-report scale (``composite_on_self_scale``). NaN when nothing is present.
    """
    parts = pd.DataFrame({name: f(wellness[name].astype(float)) for name, f in _COMPOSITE.items()})
    composite = 100.0 * parts.mean(axis=1, skipna=True)
    self_report = wellness["readiness"].astype(float) * 10.0
    return self_report.fillna(composite_on_self_scale(wellness, self_report, composite))


def composite_on_self_scale(
    wellness: pd.DataFrame, self_report: pd.Series, composite: pd.Series
) -> pd.Series:
    """The composite mapped onto the athlete's self-report scale, from earlier days only.

    With at least ``SCALE_MIN_PAIRS`` earlier check-ins carrying both a self-report and a
    composite: mean_self + (composite - mean_composite) x SD_self / SD_composite over those
    days (ratio clipped to 0.2-5). Before that (or for an athlete who never self-reports) the
    raw composite, the only scale there is. Composites mean ~51 where self-reports mean ~87 on
    real team data: without this mapping a missing report looks like a collapse.
    """
    order = np.lexsort((wellness["date"].to_numpy(), wellness["athlete_id"].to_numpy()))
    ids = wellness["athlete_id"].to_numpy()[order]
    s = self_report.to_numpy(float)[order]
    c = composite.to_numpy(float)[order]
    both = np.isfinite(s) & np.isfinite(c)
    frame = pd.DataFrame(
        {
            "n": both.astype(float),
            "s": np.where(both, s, 0.0),
            "c": np.where(both, c, 0.0),
            "s2": np.where(both, s * s, 0.0),
            "c2": np.where(both, c * c, 0.0),
        }
    )
    sums = frame.groupby(ids, sort=False).cumsum() - frame  # strictly earlier check-ins
    n = sums["n"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_s, mean_c = sums["s"].to_numpy() / n, sums["c"].to_numpy() / n
        sd_s = np.sqrt(np.maximum(sums["s2"].to_numpy() / n - mean_s**2, 0.0))
        sd_c = np.sqrt(np.maximum(sums["c2"].to_numpy() / n - mean_c**2, 0.0))
        ratio = np.clip(sd_s / np.maximum(sd_c, 1e-6), 0.2, 5.0)
        mapped = np.clip(mean_s + (c - mean_c) * np.where(sd_s > 0, ratio, 1.0), 0.0, 100.0)
    out = np.where(n >= SCALE_MIN_PAIRS, mapped, c)
    result = np.empty(len(out))
    result[order] = out
    return pd.Series(result, index=wellness.index)


def z_column(item: str, window: int) -> str:
    """Name of the z-score of ``item`` against its ``window``-day baseline, e.g. sleep_h_z7."""
    return f"{item}_z{window}"


def wellness_columns(daily: pd.DataFrame, panel: Panel) -> pd.DataFrame:
    """The wellness features of each athlete-day (new columns; see docs/features.md).

    Every baseline window ends yesterday, so today's value never enters its own baseline.
    Returns ``<item>_z7`` and ``<item>_z60`` for ``Z_ITEMS`` and ``hrv_ln`` (z-scores against the
    previous 7 and 60 days, at least 5 values, SD floored, clipped to +-4), missingness flags
    (``checkin_missing``, ``hrv_missing``, ``resting_hr_missing``, ``readiness_self_missing``,
    0/1), ``sleep_debt_7d_h`` (sum over 7 days of max(0, 8 h - sleep), missing nights count
    0) and the readiness history (``readiness_history_columns``).
    """
    out: dict[str, np.ndarray] = {}
    hrv = daily["hrv_rmssd"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = {item: daily[item].to_numpy(float) for item in Z_ITEMS}
        values["hrv_ln"] = np.log(np.where(hrv > 0, hrv, np.nan))
    for item, today in values.items():
        past = panel.shift(today, 1)
        for window in BASELINE_WINDOWS:
            mean, sd = rolling_mean_std(
                panel, past, window=window, min_periods=BASELINE_MIN_PERIODS
            )
            z = (today - mean) / np.maximum(np.nan_to_num(sd), _MIN_SD.get(item, 0.5))
            out[z_column(item, window)] = np.clip(z, -Z_CLIP, Z_CLIP)
    sleep = values["sleep_h"]
    self_missing = np.isnan(daily["readiness"].to_numpy(float))
    out["checkin_missing"] = (np.isnan(sleep) & self_missing).astype(float)
    out["hrv_missing"] = np.isnan(values["hrv_ln"]).astype(float)
    out["resting_hr_missing"] = np.isnan(values["resting_hr"]).astype(float)
    out["readiness_self_missing"] = self_missing.astype(float)
    deficit = np.nan_to_num(np.maximum(SLEEP_NEED_H - sleep, 0.0))
    out["sleep_debt_7d_h"] = panel.rolling_sum(deficit, 7)
    history = readiness_history_columns(daily, panel)
    return pd.concat([pd.DataFrame(out, copy=False), history], axis=1)


def readiness_history_columns(daily: pd.DataFrame, panel: Panel) -> pd.DataFrame:
    """The athlete's recent readiness (0-100, from ``readiness_today``; new columns).

    ``readiness_score_base``: mean over the previous 28 days (ending yesterday);
    ``readiness_sd_28d``: their SD (at least 5 values); ``readiness_lag1``: yesterday's;
    ``readiness_mean_7d``: mean of the last 7 days including today; ``readiness_median_28d``:
    median of the last 28 days including today (for an integer self-report, often its
    most common value); ``readiness_ewm``:
    exponentially weighted mean (span 7 days) of the last 28 days including today, over the
    days with a value. NaN when the window holds no value.
    """
    out: dict[str, np.ndarray] = {}
    today = daily["readiness_today"].to_numpy(float)
    past = panel.shift(today, 1)
    out["readiness_score_base"], _ = rolling_mean_std(
        panel, past, window=READINESS_BASE_DAYS, min_periods=1
    )
    _, out["readiness_sd_28d"] = rolling_mean_std(
        panel, past, window=READINESS_BASE_DAYS, min_periods=BASELINE_MIN_PERIODS
    )
    out["readiness_lag1"] = past
    out["readiness_mean_7d"], _ = rolling_mean_std(panel, today, window=7, min_periods=1)
    out["readiness_median_28d"] = rolling_median(panel, today, window=READINESS_BASE_DAYS)
    out["readiness_ewm"] = weighted_recent_mean(
        panel, today, alpha=READINESS_EWM_ALPHA, window=READINESS_EWM_WINDOW
    )
    return pd.DataFrame(out, copy=False)
