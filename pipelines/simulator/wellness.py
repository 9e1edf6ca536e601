"""Observed morning check-ins of simulated athletes, derived from the hidden state with noise."""

from __future__ import annotations

import numpy as np

from pipelines.simulator.params import AthleteParams
from pipelines.simulator.physiology import Morning, SimState, initial_fitness

STRAIN_REF = 0.36  # typical strain of an athlete on the template
WELLNESS_FIELDS = (
    "sleep_h",
    "sleep_quality",
    "soreness",
    "fatigue",
    "mood",
    "stress",
    "resting_hr",
    "hrv_rmssd",
    "readiness",
)


def observe_wellness(
    state: SimState, morning: Morning, params: AthleteParams, *, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Draw every athlete's check-in; ``checked_in`` marks who actually sent one (~80%).

    Args:
        state: morning state (after sleep).
        morning: overnight events (injured, ill, hazard).
        params: hidden athlete parameters.
        rng: generator for observation noise (draws a fixed amount per call).

    Returns:
        Arrays of shape (n_athletes,): the WELLNESS_FIELDS (Likert items rounded to 1..5,
        readiness to 0..10, sleep_h to 0.25 h, resting_hr bpm and hrv_rmssd ms with NaN when
        not measured), plus ``pain``, ``illness`` and ``checked_in`` booleans.
    """
    n = params.n_athletes
    z = rng.standard_normal((9, n))
    uniform = rng.random((3, n))
    drivers = _drivers(state, morning, params)
    report = _self_report(drivers, params, z=z)
    soreness = report.pop("soreness_latent")
    measured = params.wears_device & (uniform[2] >= 0.05)
    heart = _heart(drivers, params, z=z)
    p_pain = np.clip(0.01 + 6.0 * morning.hazard + 0.1 * np.maximum(soreness - 4.0, 0.0), 0, 0.6)
    return {
        "sleep_h": np.clip(np.round((state.sleep_h + 0.2 * z[0]) * 4.0) / 4.0, 0.0, 24.0),
        **report,
        **{key: np.where(measured, value, np.nan) for key, value in heart.items()},
        "pain": morning.injured | (uniform[1] < p_pain),
        "illness": morning.ill.copy(),
        "checked_in": uniform[0] < params.checkin_rate,
    }


def _drivers(state: SimState, morning: Morning, params: AthleteParams) -> dict[str, np.ndarray]:
    """Return the hidden quantities the check-in responds to (all relative, unitless or h)."""
    fit_aer0, fit_mus0 = initial_fitness(params)
    return {
        "dev": state.strain - STRAIN_REF,
        "mus_dev": state.fat_mus / (state.fit_mus + 50.0) - STRAIN_REF,
        "damage": state.damage / (150.0 + state.fit_mus),
        "debt": state.sleep_debt,
        "gap": state.sleep_h - params.sleep_need_h,
        "stress": state.stress,
        "ill": morning.ill.astype(float),
        "injured": morning.injured.astype(float),
        "fit_gain": state.fitness / (fit_aer0 + fit_mus0) - 1.0,
    }


def _self_report(
    d: dict[str, np.ndarray], params: AthleteParams, *, z: np.ndarray
) -> dict[str, np.ndarray]:
    """Return the Likert items (1..5), readiness (0..10) and the latent soreness."""
    dev, debt, stress, ill, injured = d["dev"], d["debt"], d["stress"], d["ill"], d["injured"]
    soreness = 2.3 + 4.0 * d["mus_dev"] + 1.2 * d["damage"] + 1.5 * injured + 0.5 * z[3]
    readiness = 5.3 - 12.0 * dev - 0.3 * (debt - 1.5) + 0.3 * d["gap"] - 0.5 * stress
    readiness += -2.5 * ill - 1.5 * injured + params.readiness_bias + 0.7 * z[6]
    quality = 3.1 + 0.55 * d["gap"] - 0.35 * stress - 1.5 * dev - 0.6 * ill + 0.6 * z[1]
    mood = 3.4 - 2.5 * dev - 0.45 * stress - 0.1 * debt - 0.8 * ill - 0.7 * injured
    return {
        "sleep_quality": _likert(quality),
        "soreness": _likert(soreness),
        "fatigue": _likert(2.6 + 5.0 * dev + 0.12 * debt + 1.2 * ill + 0.55 * z[2]),
        "mood": _likert(mood + 0.55 * z[4]),
        "stress": _likert(2.7 + 0.8 * stress + 1.5 * dev + 0.5 * injured + 0.5 * z[5]),
        "readiness": np.clip(np.round(readiness), 0.0, 10.0) + 0.0,
        "soreness_latent": soreness,
    }


def _heart(
    d: dict[str, np.ndarray], params: AthleteParams, *, z: np.ndarray
) -> dict[str, np.ndarray]:
    """Return morning resting HR (bpm) and HRV rMSSD (ms): strain raises HR and lowers HRV."""
    resting_hr = params.resting_hr + 25.0 * d["dev"] + 0.5 * d["debt"] + 6.0 * d["ill"]
    resting_hr += 1.2 * d["stress"] - 4.0 * d["fit_gain"] + 1.5 * z[7]
    ln_hrv = -1.5 * d["dev"] - 0.04 * d["debt"] - 0.3 * d["ill"] - 0.06 * d["stress"]
    ln_hrv += 0.15 * d["fit_gain"] + 0.12 * z[8]
    return {
        "resting_hr": np.round(resting_hr),
        "hrv_rmssd": np.round(np.clip(params.hrv_base_ms * np.exp(ln_hrv), 5.0, 250.0), 1),
    }


def _likert(latent: np.ndarray) -> np.ndarray:
    """Round a latent score to the integer 1..5 Likert scale."""
    return np.clip(np.round(latent), 1.0, 5.0) + 0.0
