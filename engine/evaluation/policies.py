"""Coaching policies for the closed loop: Cairn's real daily path, and an acute:chronic rule.

Both see only what a coach sees in the simulator: logged sessions (reported RPE), morning
check-ins, who is injured or ill this morning, and the athletes' profiles. Never the hidden
truth. ``CairnPolicy`` runs ``engine.coach.coach`` (block, adaptation, candidates, the models'
predictions, the optimizer) on features kept up to date incrementally for the whole cohort
(``pipelines.features.extend_daily_features``), with one batched prediction per model a day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from engine.coach import coach
from engine.coach.periodisation import VolumePlan, block_on
from engine.coach.prescription import HeartProfile
from engine.coach.reassessment import Reassessment, volume_plan
from engine.coach.scoring import ModelSet, candidate_feature_matrix
from engine.evaluation.cohort_state import FeatureState, LogBook, cohort_contexts
from engine.optimizer.catalogue import Candidate
from engine.optimizer.choose import Rules
from pipelines.loads import session_loads
from pipelines.simulator.catalogue import TYPE_CODE
from pipelines.simulator.cohort import SimulatedCohort, TemplatePolicy
from pipelines.simulator.params import AVAIL_COLUMNS
from pipelines.simulator.plans import Observation, PlanBatch, make_plan_batch, plans_to_frame


class CairnPolicy:
    """Cairn's daily path for every athlete: features -> models -> optimizer.

    Args:
        warmup: The logs so far (the template weeks before coaching starts).
        models: The served models (trained on another simulated cohort, or the champions).
        rules: Guard rails and objective weights.
    """

    def __init__(self, warmup: SimulatedCohort, *, models: ModelSet, rules: Rules) -> None:
        self.book = LogBook(warmup)
        self.models, self.rules = models, rules
        first = pd.Timestamp(warmup.sessions["date"].min())
        self.anchor = first.date()
        self.features = FeatureState(self.book, until=pd.Timestamp(warmup.hidden["date"].max()))
        athletes = warmup.athletes.set_index("athlete_id")
        self.availability = {
            int(a): tuple(int(m) for m in row)
            for a, row in athletes[list(AVAIL_COLUMNS)].iterrows()
        }
        self.hearts = {
            int(a): (float(r["max_hr"]), float(r["resting_hr"])) for a, r in athletes.iterrows()
        }
        self.novice = (athletes["experience_years"] < coach.NOVICE_YEARS).to_dict()
        self._plans: dict[int, dict[int, tuple[VolumePlan, Reassessment | None]]] = {}

    def __call__(self, obs: Observation) -> pd.DataFrame:
        """Today's plan frame (one row per athlete who trains)."""
        self.book.observe(obs)
        today = pd.Timestamp(obs.date)
        base = self.features.morning(self.book, today)
        mornings = self._mornings(today, base)
        inputs = [coach.unscored_inputs(m, rules=self.rules, locks={}) for m in mornings]
        inputs = self._score(mornings, inputs)
        choices = {
            m.athlete_id: coach.choose(i).candidate for m, i in zip(mornings, inputs, strict=True)
        }
        return plan_frame_from_choices(choices)

    def record(self, done: pd.DataFrame) -> None:
        """What was done today (the simulator's answer to the plans)."""
        self.book.record(done)

    def _mornings(self, today: pd.Timestamp, base: pd.DataFrame) -> list[coach.Morning]:
        day, yesterday = today.date(), today - pd.Timedelta(days=1)
        final, sessions = self.features.final, self.book.sessions
        contexts = cohort_contexts(
            today=today, base=base, final=final, sessions=sessions, availability=self.availability
        )
        block = block_on(anchor=self.anchor, today=day)
        if block.index not in self._plans:
            daily = dict(tuple(final.groupby("athlete_id")))
            self._plans[block.index] = {
                a: volume_plan(daily[a], anchor=self.anchor, today=day) for a in daily
            }
        done = sessions[sessions["date"] == yesterday].groupby("athlete_id")["duration_min"].sum()
        rows = base.reset_index()
        out = []
        for i, athlete in enumerate(base.index):
            a, row = int(athlete), rows.iloc[i : i + 1]
            max_hr, rest_hr = self.hearts[a]
            out.append(
                coach.Morning(
                    athlete_id=a,
                    today=day,
                    anchor=self.anchor,
                    base_row=row,
                    daily=row,
                    context=contexts[a],
                    block=block,
                    reassessment=self._plans[block.index][a][1],
                    volume=self._plans[block.index][a][0],
                    levels={},
                    heart=HeartProfile(max_hr=max_hr, resting_hr=rest_hr),
                    novice=bool(self.novice[a]),
                    done_min={yesterday.date(): float(done.get(a, 0.0))},
                )
            )
        return out

    def _score(
        self, mornings: list[coach.Morning], inputs: list[coach.Inputs]
    ) -> list[coach.Inputs]:
        """All athletes' candidates through each model in one call."""
        readiness_model, injury_model = self.models.readiness, self.models.injury
        if readiness_model is None or injury_model is None:
            raise ValueError("the closed loop needs both models")
        matrices = [
            candidate_feature_matrix(m.base_row, i.candidates)
            for m, i in zip(mornings, inputs, strict=True)
        ]
        X = np.vstack(matrices)  # noqa: N806
        readiness = np.clip(readiness_model.predict(X), 0, 100)
        risk = injury_model.predict_proba(X)[:, 1]
        bounds = np.cumsum([0, *(len(mx) for mx in matrices)])
        return [
            replace(i, readiness=readiness[lo:hi], injury_risk=risk[lo:hi])
            for i, lo, hi in zip(inputs, bounds[:-1], bounds[1:], strict=True)
        ]


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


def plan_frame_from_choices(choices: Mapping[int, Candidate]) -> pd.DataFrame:
    """A plan frame from one candidate per athlete id (rest rows dropped)."""
    rows = [
        {
            "athlete_id": a,
            "kind": c.kind,
            "type": c.type,
            "duration_min": c.duration_min,
            "rpe": c.target_rpe,
        }
        for a, c in choices.items()
        if c.kind != "rest"
    ]
    return pd.DataFrame(rows, columns=["athlete_id", "kind", "type", "duration_min", "rpe"])
