"""Static athlete features (age, sex, experience) and the heart-rate bounds TRIMP needs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.schemas import ATHLETE_COLUMNS, conform

DEFAULT_HR_MAX = 190.0  # beats per minute, when neither max HR nor birth year is known
DEFAULT_HR_REST = 60.0  # beats per minute, when resting HR is unknown
PROFILE_COLUMNS = ("birth_year", "sex_female", "experience_years", "max_hr", "resting_hr")


def athlete_profiles(athletes: pd.DataFrame | None) -> pd.DataFrame:
    """One row per athlete: ``athlete_id`` plus ``PROFILE_COLUMNS`` (NaN when unknown).

    ``sex_female`` is 1 for a sex starting with "f" (F, female), 0 for "m", NaN otherwise.
    """
    if athletes is None or athletes.empty:
        frame = pd.DataFrame({"athlete_id": pd.Series(dtype="int64")})
        for column in PROFILE_COLUMNS:
            frame[column] = pd.Series(dtype=float)
        return frame
    frame = conform(athletes, ATHLETE_COLUMNS, name="athletes")
    sex = frame["sex"].astype("string").str.strip().str.lower().str[:1]
    frame["sex_female"] = np.select(
        [sex.eq("f").fillna(False), sex.eq("m").fillna(False)], [1, 0], np.nan
    )
    return frame[["athlete_id", *PROFILE_COLUMNS]].drop_duplicates("athlete_id", keep="last")


def profile_rows(profiles: pd.DataFrame, athlete_ids: np.ndarray) -> pd.DataFrame:
    """Profile values aligned with ``athlete_ids`` (NaN for athletes without a profile)."""
    indexed = profiles.set_index("athlete_id")[list(PROFILE_COLUMNS)]
    return indexed.reindex(np.asarray(athlete_ids)).reset_index(drop=True)


def static_features(profile: pd.DataFrame, dates: pd.Series) -> pd.DataFrame:
    """Per-row static features and heart-rate bounds.

    Returns ``age_years`` (calendar year of the day - birth year), ``sex_female`` (0/1/NaN),
    ``experience_years``, ``hr_max_used`` (the athlete's max HR, else 208 - 0.7 x age
    (Tanaka 2001), else 190 bpm) and ``hr_rest_used`` (the athlete's resting HR, else 60 bpm).
    """
    year = pd.DatetimeIndex(dates).year.to_numpy(float)
    age = year - profile["birth_year"].to_numpy(float)
    hr_max = profile["max_hr"].to_numpy(float)
    hr_max = np.where(np.isnan(hr_max), 208.0 - 0.7 * age, hr_max)
    hr_rest = profile["resting_hr"].to_numpy(float)
    return pd.DataFrame(
        {
            "age_years": age,
            "sex_female": profile["sex_female"].to_numpy(float),
            "experience_years": profile["experience_years"].to_numpy(float),
            "hr_max_used": np.where(np.isnan(hr_max), DEFAULT_HR_MAX, hr_max),
            "hr_rest_used": np.where(np.isnan(hr_rest), DEFAULT_HR_REST, hr_rest),
        }
    )


def banister_trimp(
    *,
    duration_min: np.ndarray,
    avg_hr: np.ndarray,
    hr_max: np.ndarray,
    hr_rest: np.ndarray,
    female: np.ndarray,
) -> np.ndarray:
    """Banister's TRIMP of each session from its average heart rate (AU); 0 without HR.

    TRIMP = minutes x HRr x k x exp(b x HRr) with HRr = (avg HR - rest) / (max - rest) clipped
    to 0-1; k = 0.64, b = 1.92 (men and unknown sex) or k = 0.86, b = 1.67 (women).
    """
    reserve = np.maximum(np.asarray(hr_max, float) - np.asarray(hr_rest, float), 1.0)
    hrr = np.clip((np.asarray(avg_hr, float) - hr_rest) / reserve, 0.0, 1.0)
    is_female = np.asarray(female, float) == 1
    k = np.where(is_female, 0.86, 0.64)
    b = np.where(is_female, 1.67, 1.92)
    trimp = np.asarray(duration_min, float) * hrr * k * np.exp(b * hrr)
    return np.nan_to_num(trimp, nan=0.0)
