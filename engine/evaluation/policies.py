"""Coaching policies for the closed loop: Cairn's served path, and an acute:chronic rule.

Both see only what a coach sees in the simulator: logged sessions (reported RPE), morning
check-ins, who is injured this morning, and the athletes' profiles. Never the hidden truth.
``CairnPolicy`` keeps those observations in a real store (``engine.evaluation.loop_store``)
and asks ``engine.services.recommendation.recommend_for``, the function the API's
``GET /athletes/{id}/recommendation`` calls, for every athlete each morning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd

from engine.coach import coach
from engine.coach.answer import Recommendation
from engine.coach.scoring import ModelSet
from engine.evaluation.loop_store import LoopStore
from engine.services.morning_cache import MorningCache
from engine.services.recommendation import recommend_for
from engine.settings import Settings
from pipelines.loads import session_loads
from pipelines.simulator.catalogue import TYPE_CODE
from pipelines.simulator.cohort import SimulatedCohort, TemplatePolicy
from pipelines.simulator.plans import Observation, PlanBatch, make_plan_batch, plans_to_frame


class CairnPolicy:
    """Cairn's served path for every athlete: the store -> ``recommend_for`` -> the plan.

    Args:
        warmup: The logs so far (the template weeks before coaching starts).
        models: The served models (trained on another simulated cohort, or the champions).
        settings: The served settings (the risk ceiling and readiness floor).
        seed: The cohort's seed (store ids and references).
        database_url: The store (default a temporary SQLite file, removed by ``close``).
        races: The athletes' goal events (``pipelines.simulator.races``), stored so that
            ``recommend_for`` tapers toward them; default none.
    """

    def __init__(
        self,
        warmup: SimulatedCohort,
        *,
        models: ModelSet,
        settings: Settings,
        seed: int = 0,
        database_url: str | None = None,
        races: pd.DataFrame | None = None,
    ) -> None:
        if not models.available:
            raise ValueError("the closed loop needs both models")
        self.store = LoopStore(warmup, seed=seed, database_url=database_url, races=races)
        self.models, self.settings = models, settings
        self.athletes = sorted(self.store.store_id)
        # the API's cache of morning states (one entry per athlete and day)
        self.cache: MorningCache[coach.Morning] = MorningCache(max_entries=len(self.athletes))
        self.answers: dict[int, Recommendation] = {}  # this morning's, by simulator id

    def __call__(self, obs: Observation) -> pd.DataFrame:
        """Today's plan frame (one row per athlete who trains)."""
        self.store.observe(obs)
        today: dt.date = pd.Timestamp(obs.date).date()
        with self.store.session() as session:
            self.answers = {
                a: recommend_for(
                    session,
                    athlete_id=self.store.store_id[a],
                    today=today,
                    models=self.models,
                    settings=self.settings,
                    cache=self.cache,
                )
                for a in self.athletes
            }
        return plan_frame_from_answers(self.answers)

    def record(self, done: pd.DataFrame) -> None:
        """What was done today (the simulator's answer to the plans)."""
        self.store.record(done)

    def close(self) -> None:
        """Release the store."""
        self.store.close()


# --- the acute:chronic rule coach ------------------------------------------------------------

ACWR_HIGH, ACWR_DANGER, ACWR_LOW = 1.3, 1.5, 0.8
VOLUME_UP = 1.2
HARD_TYPES = np.array(
    [TYPE_CODE[t] for t in ("hills", "tempo", "fartlek", "downhill", "strength_explosive")]
)


class AcwrRulePolicy:
    """The template, but easy (or rest above 1.5) when the EWMA acute:chronic ratio of the
    logged sRPE is over 1.3, and 20% longer sessions when it is under 0.8.

    Args:
        template: A template policy (usually a copy of the template arm's).
        warmup: The logs so far, to start the EWMAs.
    """

    def __init__(self, template: TemplatePolicy, warmup: SimulatedCohort) -> None:
        self.template = template
        n = template.n_athletes
        self.acute, self.chronic = np.zeros(n), np.zeros(n)
        loads = session_loads(warmup.sessions)
        days = pd.date_range(warmup.hidden["date"].min(), warmup.hidden["date"].max())
        for day in days:
            self._update(loads[loads["date"] == day])

    def _update(self, loads: pd.DataFrame) -> None:
        daily = np.zeros(self.template.n_athletes)
        if len(loads):
            np.add.at(daily, loads["athlete_id"].to_numpy(int) - 1, loads["load_au"].to_numpy())
        self.acute += 2 / 8 * (daily - self.acute)
        self.chronic += 2 / 29 * (daily - self.chronic)

    def ratio(self) -> np.ndarray:
        """EWMA acute:chronic ratio of the logged load (chronic floored at 50 AU/day)."""
        return self.acute / np.maximum(self.chronic, 50.0)

    def plan_batch(self, today: dt.date | pd.Timestamp) -> PlanBatch:
        """The template's plans for today, adjusted by each athlete's ratio."""
        batch = self.template.plan_batch(today)
        ratio = self.ratio()[batch.athlete]
        code, minutes, rpe = batch.type_code.copy(), batch.duration_min.copy(), batch.rpe.copy()
        high, low = ratio > ACWR_HIGH, ratio < ACWR_LOW
        hard = np.isin(code, HARD_TYPES)
        easy_run, mobility = TYPE_CODE["easy_trail"], TYPE_CODE["mobility"]
        code = np.where(high & hard, easy_run, code)
        rpe = np.where(high & hard, 4.0, rpe)
        minutes = np.where(high & hard, np.minimum(minutes, 45.0), minutes)
        long_run = code == TYPE_CODE["long_trail"]
        minutes = np.where(high & long_run, 0.6 * minutes, minutes)
        strength = np.isin(code, [TYPE_CODE[t] for t in ("strength_lower", "strength_full")])
        code = np.where(high & strength, mobility, code)
        minutes = np.where(high & strength, 20.0, minutes)
        rpe = np.where(high & strength, 1.5, rpe)
        avail = self.template.avail_min[batch.athlete, pd.Timestamp(today).weekday()]
        minutes = np.where(low, np.minimum(VOLUME_UP * minutes, avail), minutes)
        keep = ratio <= ACWR_DANGER
        return make_plan_batch(
            athlete=batch.athlete[keep],
            type_code=code[keep],
            duration_min=minutes[keep],
            rpe=rpe[keep],
        )

    def __call__(self, observation: Observation) -> pd.DataFrame:
        """Today's plan frame."""
        batch = self.plan_batch(observation.date)
        return plans_to_frame(batch, n_athletes=self.template.n_athletes)

    def record(self, done: pd.DataFrame) -> None:
        """Update the EWMAs with what was done today (every day, rest days included)."""
        self._update(session_loads(done) if len(done) else done)


def plan_frame_from_answers(answers: Mapping[int, Recommendation]) -> pd.DataFrame:
    """A plan frame from one recommendation per simulator athlete id (rest rows dropped)."""
    rows = [
        {
            "athlete_id": a,
            "kind": r.session["kind"],
            "type": r.session["type"],
            "duration_min": r.session["duration_min"],
            "rpe": r.session["target_rpe"],
        }
        for a, r in answers.items()
        if r.session["kind"] != "rest"
    ]
    return pd.DataFrame(rows, columns=["athlete_id", "kind", "type", "duration_min", "rpe"])
