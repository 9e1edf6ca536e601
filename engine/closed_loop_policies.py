"""Coaching policies for the closed loop: Cairn's real daily path, and an acute:chronic rule.

Both see only what a coach sees in the simulator: logged sessions (reported RPE), morning
check-ins, who is injured or ill this morning, and the athletes' profiles. Never the hidden
truth. ``CairnPolicy`` runs ``engine.coach`` (block, adaptation, candidates, the models'
predictions, the optimizer) on features kept up to date incrementally for the whole cohort
(``pipelines.features.extend_daily_features``), with one batched prediction per model a day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from engine import coach
from engine.catalogue import Candidate
from engine.optimizer import AthleteContext, PastSession, Rules
from engine.periodisation import Reassessment, VolumePlan, block_on, volume_plan
from engine.prescription import HeartProfile
from engine.recommend import HISTORY_DAYS, ModelSet, candidate_feature_matrix
from pipelines.features import LOOKBACK_DAYS, build_daily_features, extend_daily_features
from pipelines.loads import HARD_RPE, session_loads
from pipelines.schemas import INJURY_COLUMNS, conform
from pipelines.sim_catalogue import TYPE_CODE
from pipelines.sim_params import AVAIL_COLUMNS
from pipelines.sim_plans import Observation, PlanBatch, make_plan_batch, plans_to_frame
from pipelines.simulator import SimulatedCohort, TemplatePolicy

NAN = float("nan")
KEEP_DAYS = 200  # feature rows kept per athlete (>= LOOKBACK_DAYS, and 7 blocks for volumes)


class LogBook:
    """The athletes' logs as a coach sees them: sessions, check-ins and injury reports."""

    def __init__(self, warmup: SimulatedCohort) -> None:
        self.athletes = warmup.athletes
        self.sessions = warmup.sessions
        self.wellness = warmup.wellness
        injuries = warmup.injuries[list(INJURY_COLUMNS)].copy()
        self._closed = injuries[injuries["end_date"].notna()]
        open_ = injuries[injuries["end_date"].isna()]
        self._open = dict(zip(open_["athlete_id"].astype(int), open_["start_date"], strict=True))

    def observe(self, obs: Observation) -> None:
        """Add this morning's check-ins and injury reports (an injury ends when it clears)."""
        self.wellness = pd.concat([self.wellness, obs.wellness], ignore_index=True)
        today = pd.Timestamp(obs.date)
        injured = dict(
            zip(obs.status["athlete_id"].astype(int), obs.status["injured"], strict=True)
        )
        ended = [a for a in self._open if not injured.get(a, False)]
        if ended:
            rows = [self._injury(a, self._open.pop(a), today - pd.Timedelta(days=1)) for a in ended]
            self._closed = pd.concat([self._closed, pd.DataFrame(rows)], ignore_index=True)
        for athlete, now in injured.items():
            if now and athlete not in self._open:
                self._open[athlete] = today

    def record(self, done: pd.DataFrame) -> None:
        """Add the sessions done today."""
        if len(done):
            self.sessions = pd.concat([self.sessions, done], ignore_index=True)

    @staticmethod
    def _injury(athlete: int, start: pd.Timestamp, end: pd.Timestamp | None) -> dict:
        return {
            "athlete_id": athlete,
            "start_date": start,
            "end_date": end,
            "body_part": "unknown",
            "severity": "minor",
        }

    def injuries(self) -> pd.DataFrame:
        """Every injury report (open ones without an end date)."""
        open_rows = [self._injury(a, s, None) for a, s in self._open.items()]
        frame = pd.concat([self._closed, pd.DataFrame(open_rows)], ignore_index=True)
        return conform(frame, INJURY_COLUMNS, name="injuries")

    def recent(self, since: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Sessions and check-ins from ``since`` on (older rows are dropped for good)."""
        self.sessions = self.sessions[self.sessions["date"] >= since - pd.Timedelta(days=40)]
        self.wellness = self.wellness[self.wellness["date"] >= since - pd.Timedelta(days=40)]
        return (
            self.sessions[self.sessions["date"] >= since],
            self.wellness[self.wellness["date"] >= since],
        )


class FeatureState:
    """The cohort's daily feature rows, extended each morning (rows before today are final)."""

    def __init__(self, book: LogBook, *, until: pd.Timestamp) -> None:
        self.final = build_daily_features(
            book.sessions,
            book.wellness,
            book.injuries(),
            until=until.date(),
            athlete_ids=book.athletes["athlete_id"].tolist(),
            athletes=book.athletes,
        )

    def morning(self, book: LogBook, today: pd.Timestamp) -> pd.DataFrame:
        """Today's rows (one per athlete); yesterday's rows become final."""
        since = today - pd.Timedelta(days=LOOKBACK_DAYS + 5)
        sessions, wellness = book.recent(since)
        new = extend_daily_features(
            self.final,
            sessions[sessions["date"] < today],
            wellness,
            book.injuries(),
            until=today.date(),
            athletes=book.athletes,
        )
        keep_from = today - pd.Timedelta(days=KEEP_DAYS)
        done = new[new["date"] < today]
        self.final = pd.concat(
            [self.final[self.final["date"] >= keep_from], done], ignore_index=True
        ).sort_values(["athlete_id", "date"], kind="stable", ignore_index=True)
        return new[new["date"] == today].set_index("athlete_id")


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
        if not self.models.available:
            raise ValueError("the closed loop needs both models")
        matrices = [
            candidate_feature_matrix(m.base_row, i.candidates)
            for m, i in zip(mornings, inputs, strict=True)
        ]
        X = np.vstack(matrices)  # noqa: N806
        readiness = np.clip(self.models.readiness.predict(X), 0, 100)
        risk = self.models.injury.predict_proba(X)[:, 1]
        bounds = np.cumsum([0, *(len(mx) for mx in matrices)])
        return [
            replace(i, readiness=readiness[lo:hi], injury_risk=risk[lo:hi])
            for i, lo, hi in zip(inputs, bounds[:-1], bounds[1:], strict=True)
        ]


def _past_sessions(sessions: pd.DataFrame) -> dict[int, list[PastSession]]:
    """Each athlete's sessions as the optimizer sees them (as ``recommend.build_context``)."""
    out: dict[int, list[PastSession]] = {}
    if sessions.empty:
        return out
    loads = session_loads(sessions)
    rpe = loads["rpe_used"].to_numpy(float)
    intensity = np.where(rpe >= HARD_RPE, "hard", np.where(rpe >= 5, "moderate", "easy"))
    for row, level in zip(loads.itertuples(), intensity, strict=True):
        out.setdefault(int(row.athlete_id), []).append(
            PastSession(
                date=row.date.date(),
                type=str(row.type),
                kind=str(row.kind),
                intensity=str(level),
                duration_min=float(row.duration_min),
                load_au=float(row.load_au),
            )
        )
    return out


def cohort_contexts(
    *,
    today: pd.Timestamp,
    base: pd.DataFrame,
    final: pd.DataFrame,
    sessions: pd.DataFrame,
    availability: Mapping[int, tuple[int, ...]],
) -> dict[int, AthleteContext]:
    """``recommend.build_context`` for the whole cohort at once (same values, vectorised).

    Args:
        today: The day.
        base: Today's feature rows, indexed by athlete.
        final: Feature rows of the days before today (all athletes).
        sessions: Logged sessions (at least the last 28 days).
        availability: Minutes Monday..Sunday by athlete.
    """
    before = final[final["date"] < today]
    loads = {
        int(a): tuple(g.to_numpy(float)[-HISTORY_DAYS:])
        for a, g in before.groupby("athlete_id")["load_total"]
    }
    past = before[before["date"] >= today - pd.Timedelta(days=28)]
    means = past.groupby("athlete_id")[["sleep_h", "soreness"]].mean()
    recent = sessions[
        (sessions["date"] >= today - pd.Timedelta(days=28)) & (sessions["date"] < today)
    ]
    by_athlete = _past_sessions(recent)
    out = {}
    for athlete, row in base.iterrows():
        a = int(athlete)
        avg = means.loc[a] if a in means.index else pd.Series({"sleep_h": NAN, "soreness": NAN})
        signals = {
            "sleep_h": float(row["sleep_h"]),
            "sleep_h_avg": float(avg["sleep_h"]),
            "soreness": float(row["soreness"]),
            "soreness_avg": float(avg["soreness"]),
            "readiness_self": float(row["readiness"]),
            "acwr_ewma": float(row["acwr_ewma"]),
            "load_7d": float(row["load_7d"]),
            "load_28d_weekly_avg": float(row["load_28d"]) / 4.0,
            "days_since_rest": float(row["days_since_rest"]),
            "sleep_quality": float(row["sleep_quality"]),
        }
        out[a] = AthleteContext(
            today=today.date(),
            availability_min=availability[a],  # type: ignore[arg-type]
            daily_load=loads.get(a, ()),
            recent=tuple(by_athlete.get(a, ())),
            open_injury=bool(row["injured"]),
            illness=bool(row["illness"]),
            pain=bool(row["pain"]),
            signals=signals,
        )
    return out


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
