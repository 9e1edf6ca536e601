"""The default behaviour policy: each athlete follows a weekly template with random deviations.

The template is the seed micro-cycle: two trail runs (one of them long, at the weekend), one
tempo/fartlek/hills session, two strength sessions away from the hard run, the rest easy or off.
It uses only what a coach knows (the athletes frame and the date), so closed-loop evaluations can
run it as the "template" baseline.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from pipelines.schemas import check_columns
from pipelines.simulator.catalogue import DEFAULT_DURATION_MIN, DEFAULT_RPE, TYPE_CODE
from pipelines.simulator.params import AVAIL_COLUMNS, volume_base
from pipelines.simulator.plans import Observation, PlanBatch, make_plan_batch, plans_to_frame

OFF, EASY, LONG, HARD, S_LOWER, S_FULL = range(6)
# Monday..Sunday roles; no strength day next to the hard run, no two hard days in a row.
WEEK_TEMPLATES = np.array(
    [
        [S_LOWER, EASY, HARD, OFF, S_FULL, LONG, OFF],
        [OFF, S_FULL, EASY, HARD, OFF, LONG, S_LOWER],
        [OFF, HARD, OFF, S_LOWER, EASY, LONG, S_FULL],
    ]
)
# Easy-day fillers and their cumulative probabilities (-1 = rest).
OFF_CHOICES = np.array(
    [
        -1,
        TYPE_CODE["mobility"],
        TYPE_CODE["walk"],
        TYPE_CODE["easy_spin"],
        TYPE_CODE["recovery_jog"],
    ]
)
OFF_CUM_P = np.array([0.5, 0.7, 0.85, 0.95, 1.0])
MAX_DRIFT = 1.35  # cap of the progressive volume multiplier
EXTRA_SESSION_P = 0.06  # chance that an off day becomes an easy trail run
MOBILITY_ADDON_P = 0.05  # chance of an extra evening mobility session on a training day


class TemplatePolicy:
    """Weekly-template behaviour policy; call it with an Observation to get plans.

    Four-week blocks rotate the emphasis (base: tempo/fartlek; uphill: hills and some downhill
    runs; explosive: fartlek and explosive strength); the last week of each block is a deload
    (x0.75). Volume starts at ``volume_base(experience)`` and drifts up 0-0.6%/week (capped at
    x1.35). Durations vary by ~12%, intended RPE by ~0.4, sessions are capped by the day's
    availability, and days with < 20 min available are rest.

    Args:
        athletes: athletes frame with ``athlete_id`` 1..N, ``experience_years``, ``avail_*``.
        start: first day of the plan (week 0).
        seed: seed of the policy's own generator.
    """

    def __init__(self, athletes: pd.DataFrame, *, start: date, seed: int) -> None:
        check_columns(athletes, ["athlete_id", "experience_years", *AVAIL_COLUMNS], name="athletes")
        rng = np.random.default_rng(seed)
        n = len(athletes)
        self.n_athletes = n
        self.start = pd.Timestamp(start).normalize()
        self.avail_min = athletes[list(AVAIL_COLUMNS)].to_numpy(dtype=float)
        experience = athletes["experience_years"].to_numpy(dtype=float)
        self.novice = experience < 1.0
        self.volume = volume_base(experience)
        self.drift = rng.uniform(0.0, 0.006, n)
        self.phase = rng.integers(0, 12, n)
        template = WEEK_TEMPLATES[rng.integers(0, len(WEEK_TEMPLATES), n)].copy()
        swap = self.avail_min[:, 6] > self.avail_min[:, 5]
        template[swap, 5], template[swap, 6] = template[swap, 6], template[swap, 5]
        self.template = template
        self._rng = rng

    def __call__(self, observation: Observation) -> pd.DataFrame:
        """Return today's plan frame (one row per session, ``rest`` rows for the others)."""
        batch = self.plan_batch(observation.date)
        return plans_to_frame(batch, n_athletes=self.n_athletes)

    def plan_batch(self, today: date | pd.Timestamp) -> PlanBatch:
        """Return today's plans as arrays (the fast path used by ``simulate_cohort``)."""
        today = pd.Timestamp(today).normalize()
        weekday, week = today.weekday(), (today - self.start).days // 7
        n = self.n_athletes
        u = self._rng.random((4, n))
        z = self._rng.standard_normal((2, n))
        block_week = week + self.phase
        block, deload = (block_week // 4) % 3, block_week % 4 == 3
        code = self._session_types(self.template[:, weekday], block=block, week=week, u=u)
        growth = np.minimum((1.0 + self.drift) ** max(week, 0), MAX_DRIFT)
        volume = self.volume * growth * np.where(deload, 0.75, 1.0) * np.exp(0.12 * z[0])
        avail = self.avail_min[:, weekday]
        code = np.where(avail < 20.0, -1, code)
        minutes = np.minimum(np.round(DEFAULT_DURATION_MIN[code] * volume), avail)
        easier = np.where(self.novice & (code == TYPE_CODE["fartlek"]), 1.0, 0.0)
        rpe = np.clip(np.round((DEFAULT_RPE[code] - easier + 0.4 * z[1]) * 2.0) / 2.0, 1.0, 10.0)
        active = np.flatnonzero(code >= 0)
        addon = active[u[3, active] < MOBILITY_ADDON_P]
        mobility = TYPE_CODE["mobility"]
        return make_plan_batch(
            athlete=np.concatenate([active, addon]),
            type_code=np.concatenate([code[active], np.full(len(addon), mobility)]),
            duration_min=np.concatenate([minutes[active], np.full(len(addon), 20.0)]),
            rpe=np.concatenate([rpe[active], np.full(len(addon), 1.0)]),
        )

    def _session_types(
        self, role: np.ndarray, *, block: np.ndarray, week: int, u: np.ndarray
    ) -> np.ndarray:
        """Map each athlete's role of the day to a session type code (-1 = rest)."""
        hard_base = TYPE_CODE["tempo"] if week % 2 == 0 else TYPE_CODE["fartlek"]
        hard = np.select([block == 1, block == 2], [TYPE_CODE["hills"], TYPE_CODE["fartlek"]])
        hard = np.where(block == 0, hard_base, hard)
        hard = np.where(self.novice, TYPE_CODE["fartlek"], hard)
        easy = np.where((block == 1) & (u[0] < 0.3), TYPE_CODE["downhill"], TYPE_CODE["easy_trail"])
        explosive = (block == 2) & ~self.novice
        full = np.where(explosive, TYPE_CODE["strength_explosive"], TYPE_CODE["strength_full"])
        off = OFF_CHOICES[np.searchsorted(OFF_CUM_P, u[1], side="right")]
        off = np.where(u[2] < EXTRA_SESSION_P, TYPE_CODE["easy_trail"], off)
        long_run = np.full(role.shape, TYPE_CODE["long_trail"])
        lower = np.full(role.shape, TYPE_CODE["strength_lower"])
        return np.choose(role, [off, easy, long_run, hard, lower, full])
