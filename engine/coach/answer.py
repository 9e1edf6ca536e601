"""The recommendation contract (see README): what the coach answers for today."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.optimizer.catalogue import Candidate
from engine.optimizer.choose import Choice

if TYPE_CHECKING:
    from engine.coach.scoring import ModelSet


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
    rules_applied: tuple[str, ...] = ()
    readiness_floor: float | None = None

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
            "rules_applied": list(self.rules_applied),
            "readiness_floor": self.readiness_floor,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recommendation:
        """The recommendation of ``to_dict`` (e.g. a prepared answer read back)."""
        versions = data["model_versions"]
        return cls(
            athlete_id=int(data["athlete_id"]),
            date=dt.date.fromisoformat(data["date"]),
            session=dict(data["session"]),
            predicted=dict(data["predicted"]),
            reasons=list(data["reasons"]),
            model_versions={k: None if v is None else int(v) for k, v in versions.items()},
            degraded=bool(data["degraded"]),
            degraded_reason=data["degraded_reason"],
            prescription=data["prescription"],
            block=data["block"],
            model_source=data["model_source"],
            rules_applied=tuple(data["rules_applied"]),
            readiness_floor=data["readiness_floor"],
        )


def to_recommendation(
    athlete_id: int,
    today: dt.date,
    choice: Choice,
    models: ModelSet,
    *,
    prescription: dict[str, Any] | None = None,
    block: dict[str, Any] | None = None,
    rules_applied: tuple[str, ...] = (),
    readiness_floor: float | None = None,
) -> Recommendation:
    """The recommendation contract for a choice (reasons get the degraded note if any).

    ``rules_applied`` names every hard rule that shaped today (``"<code>: <detail>"``) and
    ``readiness_floor`` the floor that applied (0-100, after personal adaptation).
    """
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
        rules_applied=tuple(rules_applied),
        readiness_floor=readiness_floor,
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
