"""Today's recommendation."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ModelsDep, SessionDep, SettingsDep
from api.schemas import RecommendationPublic
from engine.service import recommend_for

router = APIRouter(prefix="/athletes/{athlete_id}", tags=["recommendation"])


@router.get("/recommendation", response_model=RecommendationPublic)
def read_recommendation(
    athlete_id: int,
    session: SessionDep,
    models: ModelsDep,
    settings: SettingsDep,
    date: Annotated[dt.date | None, Query(description="Day (YYYY-MM-DD); default today.")] = None,
) -> RecommendationPublic:
    """What to do today and why, for one athlete."""
    rec = recommend_for(
        session,
        athlete_id=athlete_id,
        today=date or dt.date.today(),
        models=models,
        settings=settings,
    )
    return RecommendationPublic.model_validate(rec.to_dict())
