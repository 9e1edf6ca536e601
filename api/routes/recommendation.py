"""Today's recommendation."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AthleteId, ModelsDep, MorningCacheDep, SessionDep, SettingsDep
from api.metrics import MetricsDep
from api.schemas import (
    EARLIEST_DATE,
    ISO_DATE,
    LATEST_DATE,
    YEAR_RANGE_PATTERN,
    RecommendationPublic,
)
from engine.services.recommendation import recommend_for

router = APIRouter(prefix="/athletes/{athlete_id}", tags=["recommendation"])


@router.get("/recommendation", response_model=RecommendationPublic)
def read_recommendation(
    athlete_id: AthleteId,
    session: SessionDep,
    models: ModelsDep,
    settings: SettingsDep,
    metrics: MetricsDep,
    cache: MorningCacheDep,
    date: Annotated[
        dt.date | None,
        ISO_DATE,
        Query(
            ge=EARLIEST_DATE,
            le=LATEST_DATE,
            description="Day (YYYY-MM-DD); default: today in the athlete's time zone.",
            json_schema_extra={"pattern": YEAR_RANGE_PATTERN},
        ),
    ] = None,
) -> RecommendationPublic:
    """What to do today and why, for one athlete."""
    rec = recommend_for(
        session,
        athlete_id=athlete_id,
        today=date,  # None: the athlete's local date (their time zone)
        models=models,
        settings=settings,
        cache=cache,
    )
    metrics.record_recommendation(session_type=rec.session["type"], degraded=rec.degraded)
    return RecommendationPublic.model_validate(rec.to_dict())
