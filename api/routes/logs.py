"""Logging sessions, wellness check-ins and injuries (``Idempotency-Key`` makes retries safe)."""

import hashlib
import json

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse

from api.deps import AthleteId, SessionDep
from api.idempotency import IdempotentDep
from api.schemas import (
    InjuryCreate,
    InjuryPublic,
    SessionCreate,
    SessionPublic,
    WellnessCreate,
    WellnessPublic,
)
from engine.services.feature_store import refresh_features
from engine.store import logbook

router = APIRouter(prefix="/athletes/{athlete_id}", tags=["logs"])


@router.post("/sessions", response_model=SessionPublic, status_code=status.HTTP_201_CREATED)
def create_session(
    athlete_id: AthleteId, body: SessionCreate, session: SessionDep, idempotent: IdempotentDep
) -> JSONResponse:
    """Log a training session (with its strength sets); the same session twice is a 409."""

    def write() -> tuple[int, SessionPublic]:
        values = body.model_dump(exclude={"sets"})
        digest = hashlib.sha256(
            json.dumps(values, default=str, sort_keys=True).encode()
        ).hexdigest()
        values |= {"source": "manual", "external_id": f"api-{digest[:32]}"}
        sets = [s.model_dump() for s in body.sets]
        row = logbook.add_training_session(session, athlete_id=athlete_id, values=values, sets=sets)
        refresh_features(session, athlete_id=athlete_id, since=row.date)
        return status.HTTP_201_CREATED, SessionPublic.model_validate(row)

    return idempotent.run(athlete_id=athlete_id, body=body, write=write)


@router.post(
    "/wellness",
    response_model=WellnessPublic,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": WellnessPublic, "description": "Replaced the day's check-in."}},
)
def create_wellness(
    athlete_id: AthleteId, body: WellnessCreate, session: SessionDep, idempotent: IdempotentDep
) -> JSONResponse:
    """Log the morning check-in; a second one for the same day replaces the first (200)."""

    def write() -> tuple[int, WellnessPublic]:
        row, created = logbook.save_wellness(
            session, athlete_id=athlete_id, values=body.model_dump()
        )
        refresh_features(session, athlete_id=athlete_id, since=row.date)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return code, WellnessPublic.model_validate(row)

    return idempotent.run(athlete_id=athlete_id, body=body, write=write)


@router.post("/injuries", response_model=InjuryPublic, status_code=status.HTTP_201_CREATED)
def create_injury(
    athlete_id: AthleteId, body: InjuryCreate, session: SessionDep, idempotent: IdempotentDep
) -> JSONResponse:
    """Report an injury (leave end_date empty while it is open)."""

    def write() -> tuple[int, InjuryPublic]:
        row = logbook.add_injury(session, athlete_id=athlete_id, values=body.model_dump())
        refresh_features(session, athlete_id=athlete_id, since=row.start_date)
        return status.HTTP_201_CREATED, InjuryPublic.model_validate(row)

    return idempotent.run(athlete_id=athlete_id, body=body, write=write)
