"""Today's recommendation from an athlete's history and the loaded models (pure, no I/O)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from engine.catalogue import Candidate
from engine.optimizer import AthleteContext, Choice, PastSession, Rules
from models.estimators import fast_scorer
from pipelines.features import (
    FEATURE_COLUMNS,
    apply_candidate_sessions,
    build_daily_features,
    candidate_matrix,
)
from pipelines.loads import HARD_RPE, session_loads

HISTORY_DAYS = 90


@dataclass(frozen=True)
class ModelSet:
    """The two served models and their registry versions; ``degraded`` when they are missing."""

    readiness: Any | None
    injury: Any | None
    versions: dict[str, int | None] = field(default_factory=dict)
    degraded_reason: str | None = None
    source: str | None = None  # "population" (day-one models) or "own_data"

    @property
    def available(self) -> bool:
        return self.readiness is not None and self.injury is not None


@dataclass(frozen=True)
class AthleteHistory:
    """What the engine needs about one athlete, already read from the store."""

    athlete_id: int
    availability_min: Sequence[int]
    sessions: pd.DataFrame
    wellness: pd.DataFrame
    injuries: pd.DataFrame
    athlete: pd.DataFrame | None = None  # ATHLETE_COLUMNS row (age, sex, HR bounds for TRIMP)
    sets: pd.DataFrame | None = None  # strength sets (SET_COLUMNS) for the tonnage
    created: dt.date | None = None  # creation day: the block anchor when nothing is logged


@dataclass(frozen=True)
class Recommendation:
    """The recommendation contract (see README): session, predictions, reasons, versions.

    ``prescription`` (warm-up, main set, cool-down, mobility, cues) and ``block`` (the
    periodisation) were added later; they are None when not computed.
    """

    athlete_id: int
    date: dt.date
    session: dict[str, Any]
    predicted: dict[str, float]
    reasons: list[str]
    model_versions: dict[str, int | None]
    degraded: bool = False
    degraded_reason: str | None = None
    prescription: dict[str, Any] | None = None
    block: dict[str, Any] | None = None
    model_source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "athlete_id": self.athlete_id,
            "date": self.date.isoformat(),
            "session": self.session,
            "predicted": self.predicted,
            "reasons": self.reasons,
            "model_versions": self.model_versions,
            "degraded": self.degraded,
            "degraded_reason": self.degraded_reason,
            "prescription": self.prescription,
            "block": self.block,
            "model_source": self.model_source,
        }


def candidates_frame(candidates: Sequence[Candidate]) -> pd.DataFrame:
    """Candidates as session rows (kind, type, duration, RPE, distance, climb, descent)."""
    return pd.DataFrame(
        {
            "kind": [c.kind for c in candidates],
            "type": [c.type for c in candidates],
            "duration_min": [float(c.duration_min) for c in candidates],
            "rpe": [float(c.target_rpe) for c in candidates],
            "distance_km": [c.distance_km for c in candidates],
            "elevation_gain_m": [c.elevation_gain_m for c in candidates],
            "elevation_loss_m": [c.elevation_loss_m for c in candidates],
        }
    )


def today_features(history: AthleteHistory, *, today: dt.date) -> pd.DataFrame:
    """The athlete's daily feature table up to and including ``today`` (before training)."""
    start = pd.Timestamp(today) - pd.Timedelta(days=HISTORY_DAYS * 4)
    sessions = history.sessions[
        (history.sessions["date"] >= start) & (history.sessions["date"] < pd.Timestamp(today))
    ]
    wellness = history.wellness[
        (history.wellness["date"] >= start) & (history.wellness["date"] <= pd.Timestamp(today))
    ]
    return build_daily_features(
        sessions,
        wellness,
        history.injuries,
        until=today,
        athlete_ids=[history.athlete_id],
        athletes=history.athlete,
        sets=history.sets,
    )


def predict_candidates(
    base_row: pd.DataFrame,
    candidates: Sequence[Candidate],
    models: ModelSet,
    *,
    matrix: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Predicted next-day readiness (0-100) and 7-day injury risk (0-1) for each candidate.

    ``matrix`` (optional) is ``candidate_matrix`` of these candidates, already built.
    """
    if models.available:
        if matrix is None:
            matrix = candidate_feature_matrix(base_row, candidates)
        readiness = np.clip(fast_scorer(models.readiness)(matrix), 0, 100)
        risk = fast_scorer(models.injury)(matrix)
        return readiness, risk
    return rule_based_predictions(apply_candidate_sessions(base_row, candidates_frame(candidates)))


def candidate_feature_matrix(base_row: pd.DataFrame, candidates: Sequence[Candidate]) -> np.ndarray:
    """Model input rows (``FEATURE_COLUMNS``) for today's row plus each candidate session."""
    return candidate_matrix(base_row, candidates_frame(candidates), columns=FEATURE_COLUMNS)


def rule_based_predictions(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Transparent fallback when no model can be loaded.

    Readiness: the athlete's recent readiness (or 65) minus 0.04 points per AU of today's load.
    Risk: 2% at an EWMA acute:chronic ratio of 1.0, tripling by 1.5 (logistic), capped at 0.9.
    """
    base = rows["readiness_score_base"].fillna(rows["readiness_today"]).fillna(65.0).to_numpy()
    readiness = np.clip(base - 0.04 * rows["load_total"].to_numpy(), 0, 100)
    acwr = rows["acwr_ewma"].to_numpy()
    odds = 0.02 / 0.98 * np.exp(2.2 * (acwr - 1.0))
    return readiness, np.clip(odds / (1 + odds), 0, 0.9)


def _past_sessions(sessions: pd.DataFrame, *, today: dt.date) -> tuple[PastSession, ...]:
    start = pd.Timestamp(today) - pd.Timedelta(days=28)
    recent = sessions[(sessions["date"] >= start) & (sessions["date"] < pd.Timestamp(today))]
    if recent.empty:
        return ()
    loads = session_loads(recent)
    out = []
    for row in loads.itertuples():
        intensity = (
            "hard" if row.rpe_used >= HARD_RPE else "moderate" if row.rpe_used >= 5 else "easy"
        )
        out.append(
            PastSession(
                date=row.date.date(),
                type=str(row.type),
                kind=str(row.kind),
                intensity=intensity,
                duration_min=float(row.duration_min),
                load_au=float(row.load_au),
            )
        )
    return tuple(out)


def _signals(features: pd.DataFrame) -> dict[str, float]:
    """The athlete's own numbers that reasons may cite."""
    today = features.iloc[-1]
    past = features.iloc[-29:-1]
    return {
        "sleep_h": float(today["sleep_h"]),
        "sleep_h_avg": float(past["sleep_h"].mean()) if len(past) else float("nan"),
        "soreness": float(today["soreness"]),
        "soreness_avg": float(past["soreness"].mean()) if len(past) else float("nan"),
        "readiness_self": float(today["readiness"]),
        "acwr_ewma": float(today["acwr_ewma"]),
        "load_7d": float(today["load_7d"]),
        "load_28d_weekly_avg": float(today["load_28d"]) / 4.0,
        "days_since_rest": float(today["days_since_rest"]),
    }


def build_context(
    history: AthleteHistory, features: pd.DataFrame, *, today: dt.date
) -> AthleteContext:
    """Everything the optimizer needs to know about the athlete this morning."""
    row = features.iloc[-1]
    before = features[features["date"] < pd.Timestamp(today)]
    return AthleteContext(
        today=today,
        availability_min=tuple(int(m) for m in history.availability_min),
        daily_load=tuple(before["load_total"].to_numpy(float)[-HISTORY_DAYS:]),
        recent=_past_sessions(history.sessions, today=today),
        open_injury=bool(row["injured"]),
        illness=bool(row["illness"]),
        pain=bool(row["pain"]),
        signals=_signals(features),
    )


def recommend_session(
    history: AthleteHistory,
    models: ModelSet,
    *,
    today: dt.date,
    rules: Rules | None = None,
    locks: Mapping[dt.date, Candidate] | None = None,
) -> Recommendation:
    """Pick today's session: the coach's daily path (``engine.coach``) on this history.

    Features -> block and adaptation -> every candidate scored by the models -> the optimizer
    under the rules (and the coach's ``locks``) -> the session with its prescription.
    """
    from engine import coach  # coach builds on this module's helpers

    morning = coach.prepare_morning(history, today=today)
    return coach.recommend_today(morning, models, rules=rules or Rules(), locks=locks or {})


def to_recommendation(
    athlete_id: int,
    today: dt.date,
    choice: Choice,
    models: ModelSet,
    *,
    prescription: dict[str, Any] | None = None,
    block: dict[str, Any] | None = None,
) -> Recommendation:
    """The recommendation contract for a choice (reasons get the degraded note if any)."""
    reasons = list(choice.reasons)
    if not models.available:
        reasons.append(f"Rule-based choice: the models are unavailable ({models.degraded_reason}).")
    return Recommendation(
        athlete_id=athlete_id,
        date=today,
        session=session_dict(choice.candidate),
        predicted={
            "readiness": round(float(choice.readiness), 1),
            "injury_risk": round(float(choice.injury_risk), 4),
        },
        reasons=reasons,
        model_versions=dict(models.versions),
        degraded=not models.available,
        degraded_reason=models.degraded_reason,
        prescription=prescription,
        block=block,
        model_source=models.source if models.available else None,
    )


def session_dict(c: Candidate) -> dict[str, Any]:
    """The contract's ``session`` object: kind, type, intensity, minutes, target RPE."""
    return {
        "kind": c.kind,
        "type": c.type,
        "intensity": c.intensity,
        "duration_min": float(c.duration_min),
        "target_rpe": float(c.target_rpe),
    }
