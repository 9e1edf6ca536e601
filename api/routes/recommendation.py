"""Today's recommendation."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AthleteId, ModelsDep, SessionDep, SettingsDep
from api.metrics import MetricsDep
from api.schemas import EARLIEST_DATE, LATEST_DATE, RecommendationPublic
from engine.service import recommend_for

router = APIRouter(prefix="/athletes/{athlete_id}", tags=["recommendation"])


@router.get("/recommendation", response_model=RecommendationPublic)
def read_recommendation(
    athlete_id: AthleteId,
    session: SessionDep,
    models: ModelsDep,
    settings: SettingsDep,
    metrics: MetricsDep,
    date: Annotated[
        dt.date | None,
        Query(ge=EARLIEST_DATE, le=LATEST_DATE, description="Day (YYYY-MM-DD); default today."),
    ] = None,
) -> RecommendationPublic:
    """What to do today and why, for one athlete."""
    rec = recommend_for(
        session,
        athlete_id=athlete_id,
        today=date or dt.date.today(),
        models=models,
        settings=settings,
    )
    metrics.record_recommendation(session_type=rec.session["type"], degraded=rec.degraded)
    return RecommendationPublic.model_validate(rec.to_dict())
