"""Simulated cohort of hybrid trail-runner/lifter athletes, stepped day by day.

Each athlete has hidden Banister fitness-fatigue systems (aerobic, muscular), sleep, life stress,
illness and injury processes; every morning they may send a noisy check-in, and every day they
try to do what a coaching policy planned. ``CohortSimulator`` exposes the step API for closed-loop
evaluation; ``simulate_cohort`` runs the default weekly-template behaviour policy. The model is
documented in ``docs/simulator.md``.

Example:
    >>> sim = CohortSimulator(n_athletes=5, seed=1, start=date(2025, 1, 1))
    >>> policy = TemplatePolicy(sim.athletes, start=sim.start, seed=2)
    >>> for _ in range(28):
    ...     realised = sim.step(policy(sim.observe()))
    >>> cohort = sim.history()
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from pipelines.schemas import WELLNESS_COLUMNS, conform
from pipelines.simulator.history import (
    CHECKIN_FIELDS,
    HIDDEN_COLUMNS,
    Recorder,
    derive_hidden,
    hidden_arrays,
)
from pipelines.simulator.params import AthleteParams, build_athletes_frame, sample_athlete_params
from pipelines.simulator.physiology import advance_morning, apply_training, initial_state
from pipelines.simulator.plans import Observation, PlanBatch, plans_from_frame
from pipelines.simulator.policy import TemplatePolicy
from pipelines.simulator.sessions import realise_sessions
from pipelines.simulator.sets import generate_sets
from pipelines.simulator.wellness import observe_wellness

__all__ = [
    "AthleteParams",
    "CohortSimulator",
    "HIDDEN_COLUMNS",
    "Observation",
    "PlanBatch",
    "SimulatedCohort",
    "TemplatePolicy",
    "sample_athlete_params",
    "simulate_cohort",
]


@dataclass(frozen=True)
class SimulatedCohort:
    """Output of a simulation; every frame but ``hidden`` and ``params`` is athlete-facing.

    Attributes:
        athletes: ATHLETE_COLUMNS plus ``avail_mon`` .. ``avail_sun`` (minutes).
        sessions: SESSION_COLUMNS, ``source="simulator"``.
        sets: SET_COLUMNS (empty when simulated without sets).
        wellness: WELLNESS_COLUMNS, about 80% of athlete-days.
        injuries: INJURY_COLUMNS; ``end_date`` is the last day lost (NaT while open).
        hidden: daily truth per athlete-day (HIDDEN_COLUMNS plus ``load_au``), morning values.
        params: hidden per-athlete parameters (one row per athlete).
    """

    athletes: pd.DataFrame
    sessions: pd.DataFrame
    sets: pd.DataFrame
    wellness: pd.DataFrame
    injuries: pd.DataFrame
    hidden: pd.DataFrame
    params: pd.DataFrame


class CohortSimulator:
    """A cohort of simulated athletes advanced one day per ``step``.

    Each day: ``observe()`` shows the morning (check-ins and who is injured or ill), then
    ``step(plans)`` realises the plans, records the day and moves to the next morning.

    Args:
        n_athletes: cohort size, when ``params`` is not given.
        seed: seed of every random stream (parameters, nights, sessions, check-ins, sets).
        start: first simulated day.
        params: explicit hidden parameters (overrides ``n_athletes``).
        with_sets: also simulate strength sets (slower; off for large cohorts).
    """

    def __init__(
        self,
        *,
        n_athletes: int | None = None,
        seed: int,
        start: date,
        params: AthleteParams | None = None,
        with_sets: bool = True,
    ) -> None:
        streams = np.random.SeedSequence(seed).spawn(5)
        if params is None:
            if n_athletes is None:
                raise ValueError("give n_athletes or params")
            params = sample_athlete_params(
                n_athletes, random_state=np.random.default_rng(streams[0])
            )
        elif n_athletes is not None and n_athletes != params.n_athletes:
            raise ValueError(f"n_athletes={n_athletes} but params hold {params.n_athletes}")
        self.params = params
        self.seed = seed
        self.start = pd.Timestamp(start).normalize()
        self.with_sets = with_sets
        self.athletes = build_athletes_frame(params)
        # separate streams: with one seed, overnight events (sleep noise, illness and injury
        # draws) are common random numbers across policies, whatever sessions they plan
        rngs = [np.random.default_rng(stream) for stream in streams[1:]]
        self._nights, self._sessions, self._noise, self._sets = rngs
        self._recorder = Recorder(seed=seed, start=self.start, n_athletes=params.n_athletes)
        self._state = initial_state(params)
        self._morning_transition()

    @property
    def n_athletes(self) -> int:
        """Number of athletes."""
        return self.params.n_athletes

    @property
    def today(self) -> pd.Timestamp:
        """The current (not yet stepped) day."""
        return self.start + pd.Timedelta(days=self._recorder.n_days)

    def observe(self) -> Observation:
        """Return this morning's check-ins and each athlete's status."""
        checkin = self._checkin
        who = np.flatnonzero(checkin["checked_in"])
        frame = pd.DataFrame({key: checkin[key][who] for key in CHECKIN_FIELDS})
        frame.insert(0, "athlete_id", who + 1)
        frame.insert(1, "date", self.today)
        status = pd.DataFrame(
            {
                "athlete_id": np.arange(1, self.n_athletes + 1, dtype=np.int64),
                "date": self.today,
                "injured": self._morning.injured,
                "ill": self._morning.ill,
                "checked_in": checkin["checked_in"],
                "available_min": self.params.avail_min[:, self.today.weekday()],
            }
        )
        status["date"] = status["date"].astype("datetime64[ns]")
        wellness = conform(frame, WELLNESS_COLUMNS, name="wellness")
        return Observation(date=self.today, wellness=wellness, status=status)

    def step(self, plans: pd.DataFrame) -> pd.DataFrame:
        """Realise today's plans, advance one day and return the sessions done (SESSION_COLUMNS).

        Args:
            plans: plan frame (see ``pipelines.simulator.plans``): ``athlete_id``, ``kind`` ('rest'
                allowed), optional ``type``, ``duration_min``, ``rpe`` (intended),
                ``distance_km``, ``elevation_gain_m``, ``elevation_loss_m``; NaN = default.
        """
        self.step_batch(plans_from_frame(plans, n_athletes=self.n_athletes))
        return self._recorder.build_sessions(last_day_only=True)

    def step_batch(self, batch: PlanBatch) -> None:
        """Realise today's plans given as arrays and advance one day (the fast path)."""
        state, morning, params = self._state, self._morning, self.params
        realised = realise_sessions(
            batch,
            state=state,
            morning=morning,
            params=params,
            weekday=self.today.weekday(),
            rng=self._sessions,
        )
        sets = None
        if self.with_sets:
            sets = generate_sets(realised, state=state, params=params, rng=self._sets)
        self._recorder.record_day(
            hidden=hidden_arrays(state, morning),
            wellness=self._checkin,
            morning=morning,
            realised=realised,
            sets=sets,
        )
        self._state = apply_training(
            state,
            params,
            aerobic_au=realised.aerobic_au,
            muscular_au=realised.muscular_au,
            damage_au=realised.damage_au,
            flush=realised.flush,
            load_au=realised.load_au,
        )
        self._morning_transition()

    def hidden_state(self) -> pd.DataFrame:
        """Return this morning's hidden truth, one row per athlete (HIDDEN_COLUMNS)."""
        frame = pd.DataFrame(derive_hidden(hidden_arrays(self._state, self._morning)))
        frame.insert(0, "athlete_id", np.arange(1, self.n_athletes + 1, dtype=np.int64))
        frame.insert(1, "date", self.today)
        frame["date"] = frame["date"].astype("datetime64[ns]")
        return frame[list(HIDDEN_COLUMNS)]

    def history(self) -> SimulatedCohort:
        """Return everything simulated so far (completed days only)."""
        return self._build_history(release=False)

    def _build_history(self, *, release: bool) -> SimulatedCohort:
        """Build the output frames; ``release`` frees each day's arrays once used (one-shot)."""
        recorder = self._recorder
        # largest conform() transients first, while fewer finished frames are alive
        sessions = recorder.build_sessions(release=release)
        wellness = recorder.build_wellness(release=release)
        injuries = recorder.build_injuries()
        hidden = recorder.build_hidden(release=release)
        return SimulatedCohort(
            athletes=self.athletes.copy(),
            sessions=sessions,
            sets=recorder.build_sets(release=release),
            wellness=wellness,
            injuries=injuries,
            hidden=hidden,
            params=self.params.to_frame(),
        )

    def _morning_transition(self) -> None:
        """Run the night into ``today``: sleep, illness, injury, then the check-in draw."""
        self._state, self._morning = advance_morning(
            self._state, self.params, weekday=self.today.weekday(), rng=self._nights
        )
        self._checkin = observe_wellness(self._state, self._morning, self.params, rng=self._noise)


def simulate_cohort(
    *, n_athletes: int, n_days: int, seed: int, start: date, with_sets: bool = True
) -> SimulatedCohort:
    """Simulate a cohort following the default weekly-template behaviour policy.

    Equivalent to stepping ``CohortSimulator`` with ``TemplatePolicy(sim.athletes, start=start,
    seed=seed)`` for ``n_days`` days, but skips building daily frames.

    Args:
        n_athletes: cohort size.
        n_days: number of days to simulate.
        seed: seed of all random streams.
        start: first simulated day.
        with_sets: also simulate strength sets.
    """
    sim = CohortSimulator(n_athletes=n_athletes, seed=seed, start=start, with_sets=with_sets)
    policy = TemplatePolicy(sim.athletes, start=start, seed=seed)
    for _ in range(n_days):
        sim.step_batch(policy.plan_batch(sim.today))
    return sim._build_history(release=True)
