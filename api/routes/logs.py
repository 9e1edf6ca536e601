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
from api.security import PrincipalDep
from api.warm import WarmDep
from engine.store import jobs, logbook, records
from engine.store.records import Actor

router = APIRouter(prefix="/athletes/{athlete_id}", tags=["logs"])


def _audit(session: SessionDep, principal: PrincipalDep, row: object, action: str) -> None:
    """Log who created or replaced the record (``engine.store.records``)."""
    actor = Actor(subject=principal.subject, user_id=principal.user_id)
    values = records.record_values(row)
    records.write_change(
        session,
        row=row,
        action=action,  # type: ignore[arg-type]
        changes={k: [None, v] for k, v in values.items()},
        actor=actor,
        now=jobs.utcnow(),
    )


@router.post("/sessions", response_model=SessionPublic, status_code=status.HTTP_201_CREATED)
def create_session(
    athlete_id: AthleteId,
    warm: WarmDep,
    body: SessionCreate,
    session: SessionDep,
    idempotent: IdempotentDep,
    principal: PrincipalDep,
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
        _audit(session, principal, row, "create")
        return status.HTTP_201_CREATED, SessionPublic.model_validate(row)

    answer = idempotent.run(athlete_id=athlete_id, body=body, write=write)
    warm.after(athlete_id)
    return answer


@router.post(
    "/wellness",
    response_model=WellnessPublic,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": WellnessPublic, "description": "Replaced the day's check-in."}},
)
def create_wellness(
    athlete_id: AthleteId,
    warm: WarmDep,
    body: WellnessCreate,
    session: SessionDep,
    idempotent: IdempotentDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """Log the morning check-in; a second one for the same day replaces the first (200)."""

    def write() -> tuple[int, WellnessPublic]:
        row, created = logbook.save_wellness(
            session, athlete_id=athlete_id, values=body.model_dump()
        )
        _audit(session, principal, row, "create" if created else "update")
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return code, WellnessPublic.model_validate(row)

    answer = idempotent.run(athlete_id=athlete_id, body=body, write=write)
    warm.after(athlete_id)
    return answer


@router.post("/injuries", response_model=InjuryPublic, status_code=status.HTTP_201_CREATED)
def create_injury(
    athlete_id: AthleteId,
    warm: WarmDep,
    body: InjuryCreate,
    session: SessionDep,
    idempotent: IdempotentDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """Report an injury (leave end_date empty while it is open)."""

    def write() -> tuple[int, InjuryPublic]:
        row = logbook.add_injury(session, athlete_id=athlete_id, values=body.model_dump())
        _audit(session, principal, row, "create")
        return status.HTTP_201_CREATED, InjuryPublic.model_validate(row)

    answer = idempotent.run(athlete_id=athlete_id, body=body, write=write)
    warm.after(athlete_id)
    return answer
