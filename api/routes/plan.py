"""The week plan and the locks on its days (coach overrides, races)."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from fastapi.responses import JSONResponse

from api.deps import AthleteId, ModelsDep, MorningCacheDep, SessionDep, SettingsDep
from api.schemas import (
    EARLIEST_DATE,
    ISO_DATE,
    LATEST_DATE,
    YEAR_RANGE_PATTERN,
    PlanLockCreate,
    PlanLockPublic,
    PlanLocksPublic,
    PlanPublic,
)
from api.security import PrincipalDep
from api.warm import WarmDep
from engine.services import plans
from engine.store import jobs, plan_locks

router = APIRouter(prefix="/athletes/{athlete_id}/plan", tags=["plan"])
DAY = Annotated[
    dt.date,
    ISO_DATE,
    Path(
        ge=EARLIEST_DATE,
        le=LATEST_DATE,
        description="The locked day (YYYY-MM-DD).",
        json_schema_extra={"pattern": YEAR_RANGE_PATTERN},
    ),
]


@router.get("", response_model=PlanPublic)
def read_plan(
    athlete_id: AthleteId,
    session: SessionDep,
    models: ModelsDep,
    settings: SettingsDep,
    cache: MorningCacheDep,
    days: Annotated[int, Query(ge=1, le=7, description="Days to plan from the date.")] = 7,
    date: Annotated[
        dt.date | None,
        ISO_DATE,
        Query(
            ge=EARLIEST_DATE,
            le=LATEST_DATE,
            description="First day (YYYY-MM-DD); default: today in the athlete's time zone.",
            json_schema_extra={"pattern": YEAR_RANGE_PATTERN},
        ),
    ] = None,
) -> PlanPublic:
    """The next days' sessions with prescriptions, the block, and what changed since
    yesterday's plan and why."""
    plan = plans.plan_for(
        session,
        athlete_id=athlete_id,
        today=date,  # None: the athlete's local date (their time zone)
        days=days,
        models=models,
        settings=settings,
        cache=cache,
    )
    return PlanPublic.model_validate(plan)


@router.get("/locks", response_model=PlanLocksPublic)
def read_locks(athlete_id: AthleteId, session: SessionDep) -> PlanLocksPublic:
    """Every lock of the athlete, by date."""
    locks = plan_locks.read_locks(session, athlete_id=athlete_id)
    data = [PlanLockPublic.model_validate(plans.lock_dict(lock)) for lock in locks]
    return PlanLocksPublic(data=data, count=len(data))


def _role(principal: PrincipalDep) -> str:
    return "athlete" if principal.role == "api_key" else principal.role


def _check_may_change(
    session: SessionDep, principal: PrincipalDep, athlete_id: int, day: dt.date
) -> plan_locks.LockRecord | None:
    existing = plan_locks.read_lock(session, athlete_id=athlete_id, day=day)
    role = _role(principal)
    existing_role = existing.role if existing is not None else None
    if not plans.may_change_lock(role=role, existing_role=existing_role):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"the lock on {day} was set by the {existing_role}: only a coach or admin may "
            "change it",
        )
    return existing


@router.put(
    "/locks/{day}",
    response_model=PlanLockPublic,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": PlanLockPublic, "description": "Replaced the day's lock."}},
)
def put_lock(
    athlete_id: AthleteId,
    day: DAY,
    body: PlanLockCreate,
    session: SessionDep,
    principal: PrincipalDep,
    warm: WarmDep,
) -> JSONResponse:
    """Fix a day's session (coach override, race). Coaches and admins may set any lock;
    an athlete may set their own, but not replace a coach's."""
    _check_may_change(session, principal, athlete_id, day)
    lock, created = plan_locks.save_lock(
        session,
        athlete_id=athlete_id,
        day=day,
        type_id=body.type,
        duration_min=body.duration_min,
        note=body.note,
        role=_role(principal),
        user_id=principal.user_id,
        now=jobs.utcnow(),
    )
    public = PlanLockPublic.model_validate(plans.lock_dict(lock))
    code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    warm.after(athlete_id)
    return JSONResponse(public.model_dump(mode="json"), status_code=code)


@router.delete(
    "/locks/{day}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
def delete_lock(
    athlete_id: AthleteId, day: DAY, session: SessionDep, principal: PrincipalDep, warm: WarmDep
) -> Response:
    """Remove a day's lock (404 when there is none; 403 for an athlete on a coach's lock)."""
    if _check_may_change(session, principal, athlete_id, day) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no lock on {day}")
    plan_locks.delete_lock(session, athlete_id=athlete_id, day=day)
    warm.after(athlete_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
