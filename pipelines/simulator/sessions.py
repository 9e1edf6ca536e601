"""Realising planned sessions: adherence, execution noise, run metrics and training impulses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.simulator.catalogue import (
    AEROBIC_SHARE,
    CROSS,
    DEFAULT_DURATION_MIN,
    DEFAULT_RPE,
    ECCENTRIC_SHARE,
    FLUSH_SHARE,
    GAIN_M_PER_KM,
    KIND_OF_TYPE,
    LOSS_PER_GAIN,
    MUSCULAR_SHARE,
    RUN,
    SPEED_FACTOR,
)
from pipelines.simulator.params import AthleteParams
from pipelines.simulator.physiology import Morning, SimState
from pipelines.simulator.plans import PlanBatch

ECCENTRIC_AU_PER_M = 0.25  # eccentric impulse per metre of descent, AU
CLIMB_AU_PER_M = 0.1  # extra muscular impulse per metre of climb, AU


@dataclass(frozen=True)
class Realised:
    """Sessions actually done on one day (arrays of shape (n_sessions,)) and daily impulses.

    The ``*_au`` daily fields and ``flush`` have shape (n_athletes,).
    """

    athlete: np.ndarray  # 0-based athlete index
    rank: np.ndarray  # position among the athlete's planned sessions that day
    type_code: np.ndarray
    start_hour: np.ndarray  # local clock hours
    duration_min: np.ndarray
    distance_km: np.ndarray
    elevation_gain_m: np.ndarray
    elevation_loss_m: np.ndarray
    avg_hr: np.ndarray  # bpm
    rpe: np.ndarray  # reported CR-10, integer 1-10
    load_au: np.ndarray  # per athlete: true effort x minutes
    aerobic_au: np.ndarray  # per athlete
    muscular_au: np.ndarray  # per athlete
    damage_au: np.ndarray  # per athlete
    flush: np.ndarray  # per athlete, 0-0.5


def realise_sessions(
    batch: PlanBatch,
    *,
    state: SimState,
    morning: Morning,
    params: AthleteParams,
    weekday: int,
    rng: np.random.Generator,
) -> Realised:
    """Turn planned sessions into done sessions for one day.

    Injured or ill athletes rest; otherwise a session is done with probability
    adherence x clip(1 - max(strain - 0.4, 0), 0.3, 1). Its duration varies by ~10%, shrinks
    when strain > 0.45 or in the 2-4 weeks after an injury (x0.5 rising to x1), and is capped
    by 1.1 x the day's availability (at least 30 min). Its
    true effort is the intended RPE + 2.5 x (strain - 0.3) + noise (sd 0.4); the reported RPE
    is the true effort plus noise (sd 0.6), rounded to 1..10.

    Args:
        batch: the day's plans.
        state: morning state.
        morning: overnight events (injured, ill).
        params: hidden athlete parameters.
        weekday: 0 = Monday.
        rng: session generator; draws a fixed amount per planned session.
    """
    a, t = batch.athlete, batch.type_code
    z = rng.standard_normal((6, batch.n_sessions))
    u = rng.random((2, batch.n_sessions))
    strain = state.strain[a]
    willing = params.adherence[a] * np.clip(1.0 - np.maximum(strain - 0.4, 0.0), 0.3, 1.0)
    planned = np.where(np.isnan(batch.duration_min), DEFAULT_DURATION_MIN[t], batch.duration_min)
    done = ~(morning.injured[a] | morning.ill[a]) & (u[0] < willing) & (planned > 0)
    cap = np.maximum(params.avail_min[a, weekday] * 1.1, 30.0)
    tired = 1.0 - 0.5 * np.maximum(strain - 0.45, 0.0)
    tired *= np.clip(0.5 + state.days_since_injury[a] / 28.0, 0.5, 1.0)  # return from injury
    minutes = np.round(np.clip(planned * np.exp(0.1 * z[0]) * tired, 5.0, cap))
    intended = np.where(np.isnan(batch.rpe), DEFAULT_RPE[t], np.clip(batch.rpe, 0.0, 10.0))
    effort = np.clip(intended + 2.5 * (strain - 0.3) + 0.4 * z[1], 0.5, 10.0)
    run = _run_fields(batch, params, ratio=minutes / np.maximum(planned, 1.0), strain=strain, z=z)
    hr_frac = 0.42 + 0.05 * effort - 0.3 * np.maximum(strain - 0.4, 0.0)
    hr = params.resting_hr[a] + (params.max_hr[a] - params.resting_hr[a]) * hr_frac + 3.0 * z[5]
    has_hr = params.wears_device[a] & ((KIND_OF_TYPE[t] == RUN) | (KIND_OF_TYPE[t] == CROSS))
    rank = batch.rank()
    daily = _impulses(batch, params, done=done, load=effort * minutes, run=run)
    return Realised(
        athlete=a[done],
        rank=rank[done],
        type_code=t[done],
        start_hour=_start_hour(u[1], weekday=weekday, rank=rank)[done],
        duration_min=minutes[done],
        distance_km=run["distance_km"][done],
        elevation_gain_m=run["elevation_gain_m"][done],
        elevation_loss_m=run["elevation_loss_m"][done],
        avg_hr=np.where(has_hr, np.round(np.minimum(hr, params.max_hr[a])), np.nan)[done],
        rpe=np.clip(np.round(effort + 0.6 * z[2]), 1.0, 10.0)[done],
        **daily,
    )


def _impulses(
    batch: PlanBatch,
    params: AthleteParams,
    *,
    done: np.ndarray,
    load: np.ndarray,
    run: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Sum each athlete's load, aerobic, muscular and eccentric impulses (AU) and flush share."""
    a, t = batch.athlete, batch.type_code
    descent = ECCENTRIC_AU_PER_M * np.nan_to_num(run["elevation_loss_m"])
    eccentric = descent * params.descent_sensitivity[a] + ECCENTRIC_SHARE[t] * load
    muscular = MUSCULAR_SHARE[t] * load + eccentric
    muscular += CLIMB_AU_PER_M * np.nan_to_num(run["elevation_gain_m"])

    def per_athlete(values: np.ndarray) -> np.ndarray:
        return np.bincount(a[done], weights=values[done], minlength=params.n_athletes)

    return {
        "load_au": per_athlete(load),
        "aerobic_au": per_athlete(AEROBIC_SHARE[t] * load),
        "muscular_au": per_athlete(muscular),
        "damage_au": per_athlete(eccentric),
        "flush": np.minimum(per_athlete(FLUSH_SHARE[t]), 0.5),
    }


def _run_fields(
    batch: PlanBatch,
    params: AthleteParams,
    *,
    ratio: np.ndarray,
    strain: np.ndarray,
    z: np.ndarray,
) -> dict[str, np.ndarray]:
    """Return run distance (km), climb and descent (m); NaN for other kinds.

    Planned values are scaled by realised/planned duration (``ratio``). Missing ones come from
    the athlete's pace and terrain, with 100 m of climb costing about 1 km of flat running.
    """
    a, t = batch.athlete, batch.type_code
    is_run = KIND_OF_TYPE[t] == RUN
    climb_per_km = GAIN_M_PER_KM[t] * params.terrain[a] * np.exp(0.25 * z[4])
    speed = params.easy_speed_kmh[a] * SPEED_FACTOR[t] * (1.0 - 0.3 * (strain - 0.3))
    minutes = np.where(np.isnan(batch.duration_min), DEFAULT_DURATION_MIN[t], batch.duration_min)
    paced = ratio * minutes / 60.0 * speed * np.exp(0.05 * z[3]) / (1.0 + climb_per_km / 100.0)
    distance = np.where(np.isnan(batch.distance_km), paced, batch.distance_km * ratio)
    gain = np.where(
        np.isnan(batch.elevation_gain_m), climb_per_km * distance, batch.elevation_gain_m * ratio
    )
    loss = np.where(
        np.isnan(batch.elevation_loss_m),
        gain * LOSS_PER_GAIN[t] * np.exp(0.05 * z[3]),
        batch.elevation_loss_m * ratio,
    )
    return {
        "distance_km": np.where(is_run, np.round(distance, 2), np.nan),
        "elevation_gain_m": np.where(is_run, np.round(gain), np.nan),
        "elevation_loss_m": np.where(is_run, np.round(loss), np.nan),
    }


def _start_hour(u: np.ndarray, *, weekday: int, rank: np.ndarray) -> np.ndarray:
    """Return local start hours: weekend mornings, weekday early morning or evening."""
    if weekday >= 5:
        first = 8.0 + 2.0 * u
    else:
        first = np.where(u < 0.6, 6.0 + 1.5 * u / 0.6, 17.5 + 2.0 * (u - 0.6) / 0.4)
    return np.round(np.where(rank == 0, first, 20.0 + 0.5 * rank) * 4.0) / 4.0
