"""Athletes: create (admins, coaches), list what the caller may see, read one, correct one."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import AthleteId, SessionDep
from api.schemas import AthleteCreate, AthletePublic, AthletesPublic, AthleteUpdate
from api.security import PrincipalDep, StaffDep
from engine.store import accounts, logbook

router = APIRouter(prefix="/athletes", tags=["athletes"])


@router.post("", response_model=AthletePublic, status_code=status.HTTP_201_CREATED)
def create_athlete(body: AthleteCreate, session: SessionDep, caller: StaffDep) -> AthletePublic:
    """Create an athlete (admins and coaches; a coach is linked to the new athlete)."""
    athlete = logbook.create_athlete(session, data=body.model_dump())
    if caller.role == "coach" and caller.user_id is not None:
        accounts.link_coach_id(session, coach_id=caller.user_id, athlete_id=athlete.id)
    return AthletePublic.model_validate(athlete)


@router.get("", response_model=AthletesPublic)
def list_athletes(
    session: SessionDep,
    caller: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> AthletesPublic:
    """The athletes the caller may see (admin: all; coach: linked; athlete: self), by id."""
    coach_id = caller.user_id if caller.role == "coach" else None
    only_id = caller.athlete_id if caller.role == "athlete" else None
    if caller.role == "athlete" and only_id is None:
        return AthletesPublic(data=[], count=0)
    rows, total = accounts.read_athletes_page(
        session, coach_id=coach_id, only_id=only_id, limit=limit, offset=offset
    )
    return AthletesPublic(data=[AthletePublic.model_validate(r) for r in rows], count=total)


@router.get("/{athlete_id}", response_model=AthletePublic)
def read_athlete(athlete_id: AthleteId, session: SessionDep) -> AthletePublic:
    """Read one athlete."""
    return AthletePublic.model_validate(logbook.read_athlete(session, athlete_id=athlete_id))


@router.patch("/{athlete_id}", response_model=AthletePublic)
def update_athlete(
    athlete_id: AthleteId, body: AthleteUpdate, session: SessionDep
) -> AthletePublic:
    """Correct the profile (the athlete, a linked coach, an admin): only the fields sent change.

    The profile feeds the answers: max and resting HR set the zones, experience and
    availability the load and the week, the time zone the athlete's "today"."""
    values = body.model_dump(exclude_unset=True)
    athlete = logbook.update_athlete(session, athlete_id=athlete_id, values=values)
    return AthletePublic.model_validate(athlete)
