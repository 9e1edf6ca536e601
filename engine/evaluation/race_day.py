"""Races in the closed loop: every arm races on race day, and race-day form from the truth.

Each simulated athlete has one A race (``pipelines.simulator.races``). Cairn sees it as a
goal event in its store and plans toward it (taper, ``race`` on the day); the template and
the ACWR rule are fixed policies and ignore it. On race day every arm's athlete races:
``RaceDayArm`` replaces that athlete's plan, whatever the policy said, by the same
race-effort long run, so the race's load is the same for all arms and only the days before
it differ. Race-day form is the hidden fitness minus fatigue on the race morning (before
the race), injured or not. See docs/coaching.md section 8.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipelines.simulator.cohort import SimulatedCohort
from pipelines.simulator.plans import Observation
from pipelines.simulator.races import race_day_plans


class RaceDayArm:
    """A policy whose athletes race on their race day (the plan is replaced by the race)."""

    def __init__(self, policy: Any, races: pd.DataFrame) -> None:
        self.policy, self.races = policy, races

    def __call__(self, observation: Observation) -> pd.DataFrame:
        plans = self.policy(observation)
        return race_day_plans(plans, self.races, observation.date)

    def record(self, done: pd.DataFrame) -> None:
        record = getattr(self.policy, "record", None)
        if record is not None:
            record(done)


def race_day_forms(history: SimulatedCohort, races: pd.DataFrame) -> pd.Series:
    """Hidden fitness - fatigue on each athlete's race morning, by ``athlete_id``.

    Athletes whose race day is not in the history (not simulated yet) are left out.
    """
    hidden = history.hidden[["athlete_id", "date", "fitness", "fatigue"]]
    on_day = races[["athlete_id", "date"]].merge(hidden, on=["athlete_id", "date"])
    form = (on_day["fitness"] - on_day["fatigue"]).astype(float)
    return pd.Series(form.to_numpy(), index=on_day["athlete_id"].to_numpy(), name="race_day_form")
