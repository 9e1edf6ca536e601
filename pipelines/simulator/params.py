"""Hidden per-athlete parameters of the simulator and the athlete-facing profile frame."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from pipelines.schemas import ATHLETE_COLUMNS, conform
from pipelines.simulator.catalogue import GOALS

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
AVAIL_COLUMNS = tuple(f"avail_{day}" for day in WEEKDAYS)
TEMPLATE_DAILY_LOAD_AU = 212.0  # mean daily sRPE load of the weekly template at volume 1


@dataclass(frozen=True)
class AthleteParams:
    """Hidden parameters; each field has shape (n_athletes,) except ``avail_min`` (n, 7).

    Banister gains (``k_*``) are dimensionless and act on EWMA-normalised loads, so a fitness
    of 250 means "as fit as 250 AU/day sustained". Time constants are in days.
    """

    k_fit_aer: np.ndarray
    tau_fit_aer: np.ndarray
    k_fat_aer: np.ndarray
    tau_fat_aer: np.ndarray
    k_fit_mus: np.ndarray
    tau_fit_mus: np.ndarray
    k_fat_mus: np.ndarray
    tau_fat_mus: np.ndarray
    sleep_need_h: np.ndarray  # hours per night
    sleep_bias_h: np.ndarray  # habitual sleep minus need, hours
    susceptibility: np.ndarray  # injury hazard multiplier, median 1
    descent_sensitivity: np.ndarray  # eccentric-damage multiplier, median 1
    adherence: np.ndarray  # probability of doing a planned session, 0-1
    checkin_rate: np.ndarray  # probability of a morning check-in, 0-1
    experience_years: np.ndarray
    birth_year: np.ndarray
    female: np.ndarray  # bool
    max_hr: np.ndarray  # bpm
    resting_hr: np.ndarray  # bpm, at the starting fitness
    hrv_base_ms: np.ndarray  # rMSSD at baseline, ms
    habitual_load_au: np.ndarray  # daily sRPE load the athlete is adapted to at day 0
    easy_speed_kmh: np.ndarray  # easy pace on flat ground
    terrain: np.ndarray  # hilliness multiplier of the athlete's usual trails
    deadlift_kg: np.ndarray  # working deadlift load at day 0
    wears_device: np.ndarray  # bool: reports resting HR, HRV and run heart rate
    readiness_bias: np.ndarray  # personal offset of self-reported readiness, points
    goal: np.ndarray  # int index into GOALS
    avail_min: np.ndarray  # (n, 7) minutes available Monday..Sunday

    @property
    def n_athletes(self) -> int:
        """Number of athletes."""
        return int(self.k_fit_aer.shape[0])

    def to_frame(self) -> pd.DataFrame:
        """Return the parameters as one row per athlete (``athlete_id`` 1..N)."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "avail_min"}
        frame = pd.DataFrame(data)
        frame[list(AVAIL_COLUMNS)] = self.avail_min
        frame.insert(0, "athlete_id", np.arange(1, self.n_athletes + 1, dtype=np.int64))
        return frame


def volume_base(experience_years: np.ndarray) -> np.ndarray:
    """Return the template volume multiplier for an experience level (0.7 novice .. 1.2)."""
    return 0.7 + 0.5 * (1.0 - np.exp(-np.asarray(experience_years, dtype=float) / 3.0))


def sample_athlete_params(
    n_athletes: int, *, random_state: int | np.random.Generator
) -> AthleteParams:
    """Draw hidden parameters for a cohort of hybrid trail runners.

    Args:
        n_athletes: cohort size (>= 1).
        random_state: seed or generator.

    Returns:
        The cohort's parameters.
    """
    if n_athletes < 1:
        raise ValueError(f"n_athletes must be >= 1, got {n_athletes}")
    rng = np.random.default_rng(random_state)
    n = n_athletes
    experience = np.clip(rng.gamma(2.0, 2.0, n), 0.2, 25.0)
    female = rng.random(n) < 0.4
    birth_year = np.round(rng.uniform(1970, 2003, n))
    age = 2025 - birth_year
    k_fit_aer = rng.uniform(0.8, 1.2, n)
    k_fit_mus = rng.uniform(0.8, 1.2, n)
    fitness_level = volume_base(experience)
    return AthleteParams(
        k_fit_aer=k_fit_aer,
        tau_fit_aer=rng.uniform(35.0, 50.0, n),
        k_fat_aer=k_fit_aer * rng.uniform(0.3, 0.5, n),
        tau_fat_aer=rng.uniform(5.0, 9.0, n),
        k_fit_mus=k_fit_mus,
        tau_fit_mus=rng.uniform(28.0, 45.0, n),
        k_fat_mus=k_fit_mus * rng.uniform(0.3, 0.55, n),
        tau_fat_mus=rng.uniform(3.0, 7.0, n),
        sleep_need_h=rng.uniform(6.5, 9.0, n),
        sleep_bias_h=rng.normal(-0.4, 0.5, n),
        susceptibility=rng.lognormal(0.0, 0.5, n) * (1.0 + 0.3 * np.exp(-experience / 2.0)),
        descent_sensitivity=rng.lognormal(0.0, 0.4, n),
        adherence=rng.beta(12.0, 1.5, n),
        checkin_rate=rng.beta(8.0, 2.0, n),
        experience_years=np.round(experience, 1),
        birth_year=birth_year,
        female=female,
        max_hr=np.round(208.0 - 0.7 * age + rng.normal(0.0, 6.0, n)),
        resting_hr=np.round(np.clip(rng.normal(56.0, 5.0, n) - 4.0 * fitness_level, 38.0, 75.0)),
        hrv_base_ms=rng.lognormal(np.log(60.0), 0.35, n),
        habitual_load_au=TEMPLATE_DAILY_LOAD_AU * fitness_level * rng.lognormal(0.0, 0.1, n),
        easy_speed_kmh=rng.normal(10.5, 1.0, n) * (0.9 + 0.1 * fitness_level) - 0.8 * female,
        terrain=rng.lognormal(0.0, 0.35, n),
        deadlift_kg=np.round(
            np.clip(rng.normal(75.0, 15.0, n) * (1.25 - 0.35 * female) * fitness_level, 30, 200)
        ),
        wears_device=rng.random(n) < 0.75,
        readiness_bias=rng.normal(0.0, 0.8, n),
        goal=rng.integers(0, len(GOALS), n),
        avail_min=_sample_availability(n, rng),
    )


def _sample_availability(n: int, rng: np.random.Generator) -> np.ndarray:
    """Return (n, 7) available minutes per weekday, rounded to 5 min."""
    weekday = rng.uniform(35.0, 120.0, (n, 5)) * (rng.random((n, 5)) >= 0.1)
    weekend = rng.uniform(90.0, 240.0, (n, 2))
    return np.round(np.hstack([weekday, weekend]) / 5.0) * 5.0


def build_athletes_frame(params: AthleteParams) -> pd.DataFrame:
    """Return the athlete-facing profile frame: ATHLETE_COLUMNS plus ``avail_<day>`` minutes."""
    n = params.n_athletes
    ids = np.arange(1, n + 1, dtype=np.int64)
    frame = pd.DataFrame(
        {
            "athlete_id": ids,
            "name": [f"Sim Athlete {i:05d}" for i in ids],
            "birth_year": params.birth_year,
            "sex": pd.Series(np.where(params.female, "female", "male"), dtype=object),
            "experience_years": params.experience_years,
            "max_hr": params.max_hr,
            "resting_hr": params.resting_hr,
            "goal": pd.Series(np.array(GOALS, dtype=object)[params.goal], dtype=object),
        }
    )
    frame = conform(frame, ATHLETE_COLUMNS, name="athletes")
    frame[list(AVAIL_COLUMNS)] = params.avail_min.astype(float)
    return frame
