"""Athletes."""

from fastapi import APIRouter, status

from api.deps import SessionDep
from api.schemas import AthleteCreate, AthletePublic
from engine import store

router = APIRouter(prefix="/athletes", tags=["athletes"])


@router.post("", response_model=AthletePublic, status_code=status.HTTP_201_CREATED)
def create_athlete(body: AthleteCreate, session: SessionDep) -> AthletePublic:
    """Create an athlete."""
    athlete = store.create_athlete(session, data=body.model_dump())
    return AthletePublic.model_validate(athlete)


@router.get("/{athlete_id}", response_model=AthletePublic)
def read_athlete(athlete_id: int, session: SessionDep) -> AthletePublic:
    """Read one athlete."""
    return AthletePublic.model_validate(store.read_athlete(session, athlete_id=athlete_id))
