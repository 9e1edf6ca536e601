"""The nightly batch's scored morning of one athlete (written by ``cairn nightly``)."""

from fastapi import APIRouter, HTTPException

from api.deps import AthleteId, SessionDep, SettingsDep
from api.schemas import AthleteDayQuery, MorningScoresPublic
from engine.services.calendar import athlete_today
from engine.services.nightly import read_morning_scores

router = APIRouter(prefix="/athletes/{athlete_id}", tags=["recommendation"])


@router.get("/morning-scores", response_model=MorningScoresPublic)
def read_scores(
    athlete_id: AthleteId,
    session: SessionDep,
    settings: SettingsDep,
    date: AthleteDayQuery = None,
) -> MorningScoresPublic:
    """Every candidate's predicted readiness tomorrow and 7-day injury risk for the morning,
    as scored by the last nightly batch (404 when no batch scored that day)."""
    day = date or athlete_today(session, athlete_id=athlete_id, settings=settings)
    scores = read_morning_scores(session, athlete_id=athlete_id, day=day)
    if scores is None:
        raise HTTPException(404, f"no nightly scores for athlete {athlete_id} on {day}")
    return MorningScoresPublic.model_validate(scores)
