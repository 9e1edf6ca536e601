"""Reading back, correcting and deleting logged records, and the daily load history.

``GET`` lists one page of sessions, check-ins or injuries in a date range (newest first);
``PATCH`` changes some fields (the merged record is validated like a new one); ``DELETE``
removes a record (a session with its sets). Every change is logged with who made it and when,
and recommendations are recomputed from the corrected logs.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from api.deps import MAX_DB_ID, AthleteId, ModelsDep, SessionDep, SettingsDep
from api.idempotency import IdempotentDep
from api.record_schemas import (
    InjuriesPublic,
    InjuryUpdate,
    LoadDayPublic,
    LoadPublic,
    SessionRecordPublic,
    SessionsPublic,
    SessionUpdate,
    WellnessListPublic,
    WellnessUpdate,
    merged,
)
from api.schemas import (
    EARLIEST_DATE,
    LATEST_DATE,
    YEAR_RANGE_PATTERN,
    InjuryCreate,
    InjuryPublic,
    SessionCreate,
    WellnessCreate,
    WellnessPublic,
)
from api.security import PrincipalDep
from api.warm import WarmDep
from engine.services import load_history
from engine.services.calendar import athlete_today
from engine.store import jobs, records
from engine.store.logbook import read_athlete
from engine.store.records import Actor, RecordType

router = APIRouter(prefix="/athletes/{athlete_id}", tags=["records"])

_DATE_QUERY = {
    "ge": EARLIEST_DATE,
    "le": LATEST_DATE,
    "json_schema_extra": {"pattern": YEAR_RANGE_PATTERN},
}
From = Annotated[
    dt.date | None, Query(alias="from", description="First day (YYYY-MM-DD).", **_DATE_QUERY)
]
To = Annotated[
    dt.date | None, Query(alias="to", description="Last day (YYYY-MM-DD).", **_DATE_QUERY)
]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
RecordId = Annotated[int, Path(ge=1, le=MAX_DB_ID, description="Record id.")]

_PUBLIC: dict[str, type[BaseModel]] = {
    "session": SessionRecordPublic,
    "wellness": WellnessPublic,
    "injury": InjuryPublic,
}
_CREATE: dict[str, type[BaseModel]] = {
    "session": SessionCreate,
    "wellness": WellnessCreate,
    "injury": InjuryCreate,
}


def _invalid_query(field: str, message: str) -> RequestValidationError:
    return RequestValidationError(
        [{"loc": ("query", field), "msg": message, "type": "value_error"}]
    )


def _check_range(
    start: dt.date | None, end: dt.date | None, *, max_days: int | None = None
) -> None:
    if start is not None and end is not None:
        if end < start:
            raise _invalid_query("from", "from must not be after to")
        if max_days is not None and (end - start).days + 1 > max_days:
            raise _invalid_query("to", f"at most {max_days} days per request")


def _page(
    session: SessionDep,
    record_type: RecordType,
    athlete_id: int,
    start: dt.date | None,
    end: dt.date | None,
    limit: int,
    offset: int,
) -> tuple[list[Any], int]:
    _check_range(start, end)
    rows, total = records.read_records_page(
        session,
        record_type=record_type,
        athlete_id=athlete_id,
        start=start,
        end=end,
        limit=limit,
        offset=offset,
    )
    return [_PUBLIC[record_type].model_validate(r) for r in rows], total


def _found(session: SessionDep, record_type: RecordType, athlete_id: int, record_id: int) -> Any:
    read_athlete(session, athlete_id=athlete_id)
    row = records.read_record(
        session, record_type=record_type, athlete_id=athlete_id, record_id=record_id
    )
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{record_type} {record_id} not found")
    return row


def _actor(principal: PrincipalDep) -> Actor:
    return Actor(subject=principal.subject, user_id=principal.user_id)


def _patch(
    session: SessionDep,
    principal: PrincipalDep,
    idempotent: IdempotentDep,
    *,
    record_type: RecordType,
    athlete_id: int,
    record_id: int,
    body: BaseModel,
) -> JSONResponse:
    def write() -> tuple[int, BaseModel]:
        row = _found(session, record_type, athlete_id, record_id)
        current = records.record_values(row)
        try:
            record = merged(_CREATE[record_type], current, body)
        except ValidationError as err:
            raise RequestValidationError(err.errors()) from err
        values = record.model_dump(exclude={"sets"}, include=body.model_fields_set)
        sets = None
        if "sets" in body.model_fields_set:
            sets = [s.model_dump() for s in getattr(record, "sets", [])]
        records.update_record(
            session, row=row, values=values, sets=sets, actor=_actor(principal), now=jobs.utcnow()
        )
        return status.HTTP_200_OK, _PUBLIC[record_type].model_validate(row)

    return idempotent.run(athlete_id=athlete_id, body=body, write=write)


def _delete(
    session: SessionDep,
    principal: PrincipalDep,
    *,
    record_type: RecordType,
    athlete_id: int,
    record_id: int,
) -> Response:
    row = _found(session, record_type, athlete_id, record_id)
    records.delete_record(session, row=row, actor=_actor(principal), now=jobs.utcnow())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


_PATCH_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"description": "Invalid field, or the merged record breaks a rule."}
}


# --- Sessions ---


@router.get("/sessions", response_model=SessionsPublic)
def list_sessions(
    athlete_id: AthleteId,
    session: SessionDep,
    start: From = None,
    end: To = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> SessionsPublic:
    """Logged sessions with their sets, newest first (``count``: all in the range)."""
    data, count = _page(session, "session", athlete_id, start, end, limit, offset)
    return SessionsPublic(data=data, count=count)


@router.patch("/sessions/{session_id}", response_model=SessionRecordPublic)
def update_session(
    athlete_id: AthleteId,
    session_id: RecordId,
    body: SessionUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    idempotent: IdempotentDep,
    warm: WarmDep,
) -> JSONResponse:
    """Correct a session; ``sets`` (when sent) replaces all its strength sets."""
    warm.after(athlete_id)  # after the response, so after the commit
    return _patch(
        session,
        principal,
        idempotent,
        record_type="session",
        athlete_id=athlete_id,
        record_id=session_id,
        body=body,
    )


@router.delete(
    "/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response
)
def delete_session(
    athlete_id: AthleteId,
    session_id: RecordId,
    session: SessionDep,
    principal: PrincipalDep,
    warm: WarmDep,
) -> Response:
    """Delete a session and its strength sets."""
    warm.after(athlete_id)
    return _delete(
        session, principal, record_type="session", athlete_id=athlete_id, record_id=session_id
    )


# --- Wellness check-ins ---


@router.get("/wellness", response_model=WellnessListPublic)
def list_wellness(
    athlete_id: AthleteId,
    session: SessionDep,
    start: From = None,
    end: To = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> WellnessListPublic:
    """Morning check-ins, newest first."""
    data, count = _page(session, "wellness", athlete_id, start, end, limit, offset)
    return WellnessListPublic(data=data, count=count)


@router.patch("/wellness/{wellness_id}", response_model=WellnessPublic)
def update_wellness(
    athlete_id: AthleteId,
    wellness_id: RecordId,
    body: WellnessUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    idempotent: IdempotentDep,
    warm: WarmDep,
) -> JSONResponse:
    """Correct a check-in (moving it onto a day that has one is a 409)."""
    warm.after(athlete_id)  # after the response, so after the commit
    return _patch(
        session,
        principal,
        idempotent,
        record_type="wellness",
        athlete_id=athlete_id,
        record_id=wellness_id,
        body=body,
    )


@router.delete(
    "/wellness/{wellness_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response
)
def delete_wellness(
    athlete_id: AthleteId,
    wellness_id: RecordId,
    session: SessionDep,
    principal: PrincipalDep,
    warm: WarmDep,
) -> Response:
    """Delete a check-in."""
    warm.after(athlete_id)
    return _delete(
        session, principal, record_type="wellness", athlete_id=athlete_id, record_id=wellness_id
    )


# --- Injuries ---


@router.get("/injuries", response_model=InjuriesPublic)
def list_injuries(
    athlete_id: AthleteId,
    session: SessionDep,
    start: From = None,
    end: To = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> InjuriesPublic:
    """Injuries by start date, newest first."""
    data, count = _page(session, "injury", athlete_id, start, end, limit, offset)
    return InjuriesPublic(data=data, count=count)


@router.patch("/injuries/{injury_id}", response_model=InjuryPublic)
def update_injury(
    athlete_id: AthleteId,
    injury_id: RecordId,
    body: InjuryUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    idempotent: IdempotentDep,
    warm: WarmDep,
) -> JSONResponse:
    """Correct an injury, e.g. set ``end_date`` when it has healed."""
    warm.after(athlete_id)  # after the response, so after the commit
    return _patch(
        session,
        principal,
        idempotent,
        record_type="injury",
        athlete_id=athlete_id,
        record_id=injury_id,
        body=body,
    )


@router.delete(
    "/injuries/{injury_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response
)
def delete_injury(
    athlete_id: AthleteId,
    injury_id: RecordId,
    session: SessionDep,
    principal: PrincipalDep,
    warm: WarmDep,
) -> Response:
    """Delete an injury report."""
    warm.after(athlete_id)
    return _delete(
        session, principal, record_type="injury", athlete_id=athlete_id, record_id=injury_id
    )


# --- Load history ---


@router.get("/load", response_model=LoadPublic)
def read_load(
    athlete_id: AthleteId,
    session: SessionDep,
    models: ModelsDep,
    settings: SettingsDep,
    start: From = None,
    end: To = None,
) -> LoadPublic:
    """One row per day (default: the 90 days up to the athlete's local today): load, fitness
    (CTL), fatigue (ATL), form (TSB), acute:chronic ratio, readiness reported and predicted,
    injury risk."""
    end = end or athlete_today(session, athlete_id=athlete_id, settings=settings)
    start = start or end - dt.timedelta(days=89)
    _check_range(start, end, max_days=load_history.MAX_DAYS)
    rows = load_history.read_load_days(
        session, athlete_id=athlete_id, start=start, end=end, models=models
    )
    return LoadPublic(
        athlete_id=athlete_id,
        data=[LoadDayPublic.model_validate(row) for row in rows],
        count=len(rows),
        model_versions=dict(models.versions),
        degraded=not models.available,
    )
