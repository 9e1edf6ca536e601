"""Logging sessions, wellness check-ins and injuries."""

import hashlib
import json

from fastapi import APIRouter, Response, status

from api.deps import SessionDep
from api.schemas import (
    InjuryCreate,
    InjuryPublic,
    SessionCreate,
    SessionPublic,
    WellnessCreate,
    WellnessPublic,
)
from engine import store

router = APIRouter(prefix="/athletes/{athlete_id}", tags=["logs"])


@router.post("/sessions", response_model=SessionPublic, status_code=status.HTTP_201_CREATED)
def create_session(athlete_id: int, body: SessionCreate, session: SessionDep) -> SessionPublic:
    """Log a training session (with its strength sets)."""
    values = body.model_dump(exclude={"sets"})
    digest = hashlib.sha256(json.dumps(values, default=str, sort_keys=True).encode()).hexdigest()
    values |= {"source": "manual", "external_id": f"api-{digest[:32]}"}
    sets = [s.model_dump() for s in body.sets]
    row = store.add_training_session(session, athlete_id=athlete_id, values=values, sets=sets)
    return SessionPublic.model_validate(row)


@router.post("/wellness", response_model=WellnessPublic, status_code=status.HTTP_201_CREATED)
def create_wellness(
    athlete_id: int, body: WellnessCreate, session: SessionDep, response: Response
) -> WellnessPublic:
    """Log the morning check-in; a second one for the same day replaces the first (200)."""
    row, created = store.save_wellness(session, athlete_id=athlete_id, values=body.model_dump())
    if not created:
        response.status_code = status.HTTP_200_OK
    return WellnessPublic.model_validate(row)


@router.post("/injuries", response_model=InjuryPublic, status_code=status.HTTP_201_CREATED)
def create_injury(athlete_id: int, body: InjuryCreate, session: SessionDep) -> InjuryPublic:
    """Report an injury (leave end_date empty while it is open)."""
    row = store.add_injury(session, athlete_id=athlete_id, values=body.model_dump())
    return InjuryPublic.model_validate(row)
