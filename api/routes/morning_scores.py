"""The nightly batch's scored morning of one athlete (written by ``cairn nightly``)."""

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from api.deps import AthleteId, SessionDep
from api.schemas import EARLIEST_DATE, LATEST_DATE, YEAR_RANGE_PATTERN
from engine.store import feature_days, logbook

router = APIRouter(prefix="/athletes/{athlete_id}", tags=["recommendation"])


@router.get("/morning-scores")
def read_morning_scores(
    athlete_id: AthleteId,
    session: SessionDep,
    date: Annotated[
        dt.date | None,
        Query(
            ge=EARLIEST_DATE,
            le=LATEST_DATE,
            description="Day (YYYY-MM-DD); default today.",
            json_schema_extra={"pattern": YEAR_RANGE_PATTERN},
        ),
    ] = None,
) -> dict[str, Any]:
    """Every candidate's predicted readiness tomorrow and 7-day injury risk for the morning,
    as scored by the last nightly batch (404 when no batch scored that day)."""
    day = date or dt.date.today()
    logbook.read_athlete(session, athlete_id=athlete_id)
    score = feature_days.read_score(session, athlete_id=athlete_id, day=day)
    if score is None:
        raise HTTPException(404, f"no nightly scores for athlete {athlete_id} on {day}")
    return {
        "athlete_id": athlete_id,
        "date": day.isoformat(),
        "model_versions": score.model_versions,
        "feature_version": score.feature_version,
        "computed_at": score.computed_at.isoformat(),
        **score.result,
    }
