"""The feature catalogue: the model input columns, grouped as in docs/features.md."""

from __future__ import annotations

from pipelines.wellness import (
    BASELINE_WINDOWS,
    READINESS_BASE_DAYS,
    READINESS_EWM_WINDOW,
    Z_ITEMS,
    z_column,
)

LOAD_FEATURES = (
    "load_run",
    "load_strength",
    "load_other",
    "load_total",
    "duration_total_min",
    "rpe_max",
    "run_km",
    "gad_km",
    "climb_m",
    "descent_m",
    "trimp",
    "tonnage_kg",
    "atl",
    "ctl",
    "tsb",
    "acwr_ewma",
    "acwr_rolling",
    "load_7d",
    "load_28d",
    "monotony",
    "strain",
    "ramp",
    "climb_7d",
    "descent_7d",
    "gad_7d",
    "load_strength_7d",
    "load_run_7d",
    "trimp_7d",
    "tonnage_7d",
    "train_streak",
)
HISTORY_FEATURES = ("days_since_rest", "days_since_hard", "days_since_injury")
WELLNESS_FEATURES = (
    "readiness_today",
    "readiness_score_base",
    "readiness_lag1",
    "readiness_mean_7d",
    "readiness_median_28d",
    "readiness_ewm",
    "readiness_sd_28d",
    "sleep_h",
    "sleep_quality",
    "soreness",
    "fatigue",
    "mood",
    "stress",
    "pain",
    "illness",
    *(z_column(item, w) for item in (*Z_ITEMS, "hrv_ln") for w in BASELINE_WINDOWS),
    "sleep_debt_7d_h",
    "checkin_missing",
    "hrv_missing",
    "resting_hr_missing",
    "readiness_self_missing",
)
# How each feature may move next-day readiness, declared once beside the features and read by the
# models (``models.estimators``, ``models.families``): -1 non-increasing (more training on the day
# must not raise predicted readiness), +1 non-decreasing (form rises when load falls; a hard day
# resets days_since_hard), 0 free. Monotony and strain are not monotone in the day's load (a day
# can make the week more or less even), so the readiness model must not split on them or the
# direction guarantee breaks. Features not listed are free.
READINESS_DIRECTION: dict[str, int] = {name: -1 for name in LOAD_FEATURES} | {
    "tsb": 1,
    "monotony": 0,
    "strain": 0,
    "days_since_rest": -1,
    "days_since_hard": 1,
}
READINESS_MONOTONE: dict[str, int] = {c: d for c, d in READINESS_DIRECTION.items() if d}
READINESS_IGNORED: tuple[str, ...] = tuple(c for c, d in READINESS_DIRECTION.items() if d == 0)
# Injury risk must never fall with more training on the day (every monotone readiness feature,
# mirrored), with reported pain or soreness, short sleep, or a more recent injury.
INJURY_MONOTONE: dict[str, int] = {c: -d for c, d in READINESS_MONOTONE.items()} | {
    "pain": 1,
    "soreness": 1,
    "sleep_debt_7d_h": 1,
    "sleep_h": -1,
    "days_since_injury": -1,
}
INJURY_IGNORED = READINESS_IGNORED
STATIC_FEATURES = ("age_years", "sex_female", "experience_years", "weekday")
FEATURE_COLUMNS: tuple[str, ...] = (
    *LOAD_FEATURES,
    *HISTORY_FEATURES,
    *WELLNESS_FEATURES,
    *STATIC_FEATURES,
)
LABEL_COLUMNS = ("readiness_next", "injury_7d")
# Days of logs before a day that its features can read (60-day baselines end yesterday).
LOOKBACK_DAYS = max(*BASELINE_WINDOWS, READINESS_BASE_DAYS, READINESS_EWM_WINDOW, 28, 14) + 1
