"""Today's recommendation."""

from fastapi import APIRouter

from api.deps import AthleteId, ModelsDep, MorningCacheDep, SessionDep, SettingsDep
from api.metrics import MetricsDep
from api.schemas import AthleteDayQuery, RecommendationPublic
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
    date: AthleteDayQuery = None,
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
