"""Hidden physiology of the simulator: Banister fitness-fatigue, sleep, illness and injury.

All functions are pure and vectorised over athletes: state fields have shape (n_athletes,).
A simulated day has a morning (sleep, illness and injury onsets, check-in) and a training
part (sessions update the fitness-fatigue state). See ``docs/simulator.md`` for the equations.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from pipelines.simulator.catalogue import BODY_PART_P, SEVERITY_DAYS, SEVERITY_P
from pipelines.simulator.params import AthleteParams

TOLERANCE_AU = 100.0  # offset in the strain ratio fatigue / (fitness + offset)
SATURATION_AU = 900.0  # daily impulse scale above which fitness gains saturate
ACUTE_ALPHA = 2.0 / (7 + 1)  # 7-day EWMA of load
CHRONIC_ALPHA = 2.0 / (28 + 1)  # 28-day EWMA of load
CHRONIC_FLOOR_AU = 30.0  # floor of the chronic load in the ACWR denominator
DAMAGE_TAU_D = 2.0  # eccentric damage time constant, days
BASE_HAZARD = 0.0014  # daily injury hazard at unit multipliers
BASE_ILLNESS = 0.0035  # daily illness-onset probability at unit multipliers
INIT_AEROBIC_SHARE = 0.55  # template aerobic impulse per AU of session load
INIT_MUSCULAR_SHARE = 0.65  # template muscular impulse per AU of session load
INIT_EFFICIENCY = 0.85  # share of the habitual impulse turned into fitness (sleep, days off)


@dataclass(frozen=True)
class SimState:
    """Hidden state of every athlete at one moment (arrays of shape (n_athletes,))."""

    fit_aer: np.ndarray  # aerobic fitness, AU/day
    fat_aer: np.ndarray  # aerobic fatigue, AU/day
    fit_mus: np.ndarray  # muscular fitness, AU/day
    fat_mus: np.ndarray  # muscular fatigue, AU/day
    acute: np.ndarray  # 7-day EWMA of session load, AU/day
    chronic: np.ndarray  # 28-day EWMA of session load, AU/day
    damage: np.ndarray  # eccentric muscle damage, AU
    last_load: np.ndarray  # yesterday's session load, AU
    sleep_h: np.ndarray  # last night's sleep, hours
    sleep_debt: np.ndarray  # hours, >= 0
    stress: np.ndarray  # latent life stress, z-score
    injury_left: np.ndarray  # time-loss days left including today (int)
    ill_left: np.ndarray  # illness days left including today (int)
    days_since_injury: np.ndarray  # days since the last return to training (inf if never)
    last_part: np.ndarray  # body-part code of the last injury, -1 if none

    @property
    def fitness(self) -> np.ndarray:
        """Total fitness (aerobic + muscular), AU/day."""
        return self.fit_aer + self.fit_mus

    @property
    def fatigue(self) -> np.ndarray:
        """Total fatigue (aerobic + muscular), AU/day."""
        return self.fat_aer + self.fat_mus

    @property
    def strain(self) -> np.ndarray:
        """Fatigue relative to fitness: fatigue / (fitness + 100 AU), typically 0.2-0.6."""
        return self.fatigue / (self.fitness + TOLERANCE_AU)

    @property
    def acwr(self) -> np.ndarray:
        """Acute:chronic workload ratio of the EWMA loads (7 d / 28 d)."""
        return self.acute / np.maximum(self.chronic, CHRONIC_FLOOR_AU)


@dataclass(frozen=True)
class Morning:
    """What happened overnight, for every athlete (arrays of shape (n_athletes,))."""

    injured: np.ndarray  # bool: in a time-loss injury today
    ill: np.ndarray  # bool: ill today
    hazard: np.ndarray  # injury hazard that applied to today's onset draw, per day
    onset: np.ndarray  # bool: a new injury starts today
    body_part: np.ndarray  # body-part code of a new injury (-1 otherwise)
    severity: np.ndarray  # severity code of a new injury (-1 otherwise)
    days_lost: np.ndarray  # days lost of a new injury (0 otherwise)


def initial_fitness(params: AthleteParams) -> tuple[np.ndarray, np.ndarray]:
    """Return day-0 aerobic and muscular fitness (AU/day) of athletes at their habitual load."""
    scale = INIT_EFFICIENCY * params.habitual_load_au
    return (
        params.k_fit_aer * INIT_AEROBIC_SHARE * scale,
        params.k_fit_mus * INIT_MUSCULAR_SHARE * scale,
    )


def initial_state(params: AthleteParams) -> SimState:
    """Return the steady state of an athlete adapted to their habitual load."""
    load = params.habitual_load_au
    n = params.n_athletes
    fit_aer, fit_mus = initial_fitness(params)
    return SimState(
        fit_aer=fit_aer,
        fat_aer=fit_aer * params.k_fat_aer / params.k_fit_aer,
        fit_mus=fit_mus,
        fat_mus=fit_mus * params.k_fat_mus / params.k_fit_mus,
        acute=load.copy(),
        chronic=load.copy(),
        damage=0.25 * load * params.descent_sensitivity,
        last_load=load.copy(),
        sleep_h=params.sleep_need_h + params.sleep_bias_h,
        sleep_debt=np.full(n, 1.5),
        stress=np.zeros(n),
        injury_left=np.zeros(n, dtype=np.int64),
        ill_left=np.zeros(n, dtype=np.int64),
        days_since_injury=np.full(n, np.inf),
        last_part=np.full(n, -1, dtype=np.int64),
    )


def apply_training(
    state: SimState,
    params: AthleteParams,
    *,
    aerobic_au: np.ndarray,
    muscular_au: np.ndarray,
    damage_au: np.ndarray,
    flush: np.ndarray,
    load_au: np.ndarray,
) -> SimState:
    """Advance fitness, fatigue, loads and damage by one day of training.

    Args:
        state: state before the day's training.
        params: hidden athlete parameters.
        aerobic_au: aerobic impulse of the day, AU.
        muscular_au: muscular impulse of the day (incl. eccentric), AU.
        damage_au: eccentric damage added by the day's sessions, AU.
        flush: share of damage cleared by easy flush sessions, 0-1.
        load_au: true session load of the day (effort x minutes), AU.

    Returns:
        The state at the next morning, before sleep.
    """
    ill = state.ill_left > 0
    adapt = np.clip(1.0 - 0.04 * state.sleep_debt - 0.3 * ill, 0.5, 1.0)
    clear = np.clip(1.0 - 0.05 * state.sleep_debt, 0.6, 1.0)
    fit_aer_in = SATURATION_AU * np.tanh(aerobic_au / SATURATION_AU) * adapt
    fit_mus_in = SATURATION_AU * np.tanh(muscular_au / SATURATION_AU) * adapt
    p = params
    return replace(
        state,
        fit_aer=_banister(state.fit_aer, fit_aer_in, gain=p.k_fit_aer, tau=p.tau_fit_aer),
        fat_aer=_banister(
            state.fat_aer, aerobic_au, gain=p.k_fat_aer, tau=p.tau_fat_aer, clearance=clear
        ),
        fit_mus=_banister(state.fit_mus, fit_mus_in, gain=p.k_fit_mus, tau=p.tau_fit_mus),
        fat_mus=_banister(
            state.fat_mus, muscular_au, gain=p.k_fat_mus, tau=p.tau_fat_mus, clearance=clear
        ),
        acute=state.acute + ACUTE_ALPHA * (load_au - state.acute),
        chronic=state.chronic + CHRONIC_ALPHA * (load_au - state.chronic),
        damage=state.damage * np.exp(-1.0 / DAMAGE_TAU_D) * (1.0 - flush) + damage_au,
        last_load=load_au,
    )


def _banister(
    level: np.ndarray,
    impulse: np.ndarray,
    *,
    gain: np.ndarray,
    tau: np.ndarray,
    clearance: np.ndarray | float = 1.0,
) -> np.ndarray:
    """One EWMA step of a Banister component: level e^(-c/tau) + (1 - e^(-1/tau)) gain impulse.

    ``clearance`` c < 1 (sleep debt) slows the decay of fatigue.
    """
    return level * np.exp(-clearance / tau) + (1.0 - np.exp(-1.0 / tau)) * gain * impulse


def injury_hazard(state: SimState, params: AthleteParams) -> np.ndarray:
    """Return today's daily injury hazard from the state after yesterday's training.

    hazard = base x susceptibility x exposure x exp(2.2 clip(ACWR - 1, 0, 1))
    x (1 + damage / (150 + muscular fitness)) x exp(0.12 sleep debt) x (1 + 1.5 exp(-d / 42)),
    with exposure = 0.3 + 0.7 min(yesterday's load / 300 AU, 3) and d the days since the last
    return from injury.
    """
    exposure = 0.3 + 0.7 * np.minimum(state.last_load / 300.0, 3.0)
    spike = np.exp(2.2 * np.clip(state.acwr - 1.0, 0.0, 1.0))
    eccentric = 1.0 + state.damage / (150.0 + state.fit_mus)
    sleep = np.exp(0.12 * state.sleep_debt)
    previous = 1.0 + 1.5 * np.exp(-state.days_since_injury / 42.0)
    return BASE_HAZARD * params.susceptibility * exposure * spike * eccentric * sleep * previous


def advance_morning(
    state: SimState, params: AthleteParams, *, weekday: int, rng: np.random.Generator
) -> tuple[SimState, Morning]:
    """Run the night and the morning: stress, sleep, illness and injury onsets.

    Args:
        state: state after yesterday's training.
        params: hidden athlete parameters.
        weekday: today's weekday, 0 = Monday.
        rng: the simulator's night generator (draws a fixed amount per call).

    Returns:
        The morning state and the overnight events.
    """
    n = params.n_athletes
    normal = rng.standard_normal((2, n))
    uniform = rng.random((7, n))
    state = replace(state, stress=0.9 * state.stress + 0.3 * normal[0])
    state = _sleep(state, params, weekday=weekday, noise=normal[1])
    state = _illness(state, uniform=uniform[:2])
    return _injury(state, params, uniform=uniform[2:])


def _illness(state: SimState, *, uniform: np.ndarray) -> SimState:
    """Count down illness and start new 2-6 day episodes.

    p(onset) = 0.0035 x exp(0.35 stress + 0.08 sleep debt + 1.2 max(ACWR - 1.3, 0)) per day.
    """
    ill_left = np.maximum(state.ill_left - 1, 0)
    p_ill = BASE_ILLNESS * np.exp(
        0.35 * state.stress + 0.08 * state.sleep_debt + 1.2 * np.maximum(state.acwr - 1.3, 0.0)
    )
    new_ill = (ill_left == 0) & (uniform[0] < p_ill)
    return replace(
        state, ill_left=np.where(new_ill, 2 + (uniform[1] * 5).astype(np.int64), ill_left)
    )


def _injury(
    state: SimState, params: AthleteParams, *, uniform: np.ndarray
) -> tuple[SimState, Morning]:
    """Count down injuries, then draw new onsets with probability 1 - exp(-hazard).

    A new injury's severity sets its days lost; its body part repeats the last injured part with
    probability 0.4 within 90 days of returning.
    """
    injury_left = np.maximum(state.injury_left - 1, 0)
    free = injury_left == 0
    since = np.where(free, state.days_since_injury + 1.0, 0.0)
    since = np.where(free & (state.injury_left == 1), 0.0, since)
    state = replace(state, days_since_injury=since)
    hazard = np.where(free, injury_hazard(state, params), 0.0)
    onset = free & (uniform[0] < -np.expm1(-hazard))
    severity = np.searchsorted(np.cumsum(SEVERITY_P), uniform[1] * SEVERITY_P.sum())
    low, high = SEVERITY_DAYS[severity, 0], SEVERITY_DAYS[severity, 1]
    days_lost = low + (uniform[2] * (high - low + 1)).astype(np.int64)
    part = np.searchsorted(np.cumsum(BODY_PART_P), uniform[3] * BODY_PART_P.sum())
    recur = (state.last_part >= 0) & (since < 90.0) & (uniform[4] < 0.4)
    part = np.where(recur, state.last_part, part)
    injury_left = np.where(onset, days_lost, injury_left)
    state = replace(
        state, injury_left=injury_left, last_part=np.where(onset, part, state.last_part)
    )
    morning = Morning(
        injured=injury_left > 0,
        ill=state.ill_left > 0,
        hazard=hazard,
        onset=onset,
        body_part=np.where(onset, part, -1),
        severity=np.where(onset, severity, -1),
        days_lost=np.where(onset, days_lost, 0),
    )
    return state, morning


def _sleep(state: SimState, params: AthleteParams, *, weekday: int, noise: np.ndarray) -> SimState:
    """Draw last night's sleep (hours) and update the sleep debt (hours, decays 20%/night)."""
    weekend_night = 0.35 if weekday in (5, 6) else 0.0
    sleep = (
        params.sleep_need_h
        + params.sleep_bias_h
        + weekend_night
        - 0.45 * state.stress
        + 0.8 * (state.ill_left > 0)
        - 1.5 * np.maximum(state.strain - 0.45, 0.0)
        + 0.75 * noise
    )
    sleep = np.clip(sleep, 3.0, 11.5)
    debt = np.clip(0.8 * state.sleep_debt + params.sleep_need_h - sleep, 0.0, 30.0)
    return replace(state, sleep_h=sleep, sleep_debt=debt)
