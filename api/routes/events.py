"""Goal events: races and other goals the plan tapers toward, races and recovers from."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response, status

from api.deps import MAX_DB_ID, AthleteId, SessionDep
from api.schemas import EventCreate, EventPublic, EventsPublic
from api.warm import WarmDep
from engine.services import events as goal_events
from engine.store import events

router = APIRouter(prefix="/athletes/{athlete_id}/events", tags=["events"])
EventId = Annotated[int, Path(ge=1, le=MAX_DB_ID, description="Event id.")]


@router.post("", response_model=EventPublic, status_code=status.HTTP_201_CREATED)
def create_event(
    athlete_id: AthleteId, body: EventCreate, session: SessionDep, warm: WarmDep
) -> EventPublic:
    """Add a goal event (date, name, distance, climb, priority A/B/C)."""
    record = goal_events.add_event(
        session,
        athlete_id=athlete_id,
        day=body.date,
        name=body.name,
        distance_km=body.distance_km,
        climb_m=body.climb_m,
        priority=body.priority,
    )
    warm.after(athlete_id)
    return EventPublic.model_validate(goal_events.event_dict(record))


@router.get("", response_model=EventsPublic)
def read_events(athlete_id: AthleteId, session: SessionDep) -> EventsPublic:
    """Every goal event of the athlete, by date."""
    found = events.read_events(session, athlete_id=athlete_id)
    data = [EventPublic.model_validate(goal_events.event_dict(r)) for r in found]
    return EventsPublic(data=data, count=len(data))


@router.delete("/{event_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_event(
    athlete_id: AthleteId, event_id: EventId, session: SessionDep, warm: WarmDep
) -> Response:
    """Remove a goal event (404 when the athlete has no such event)."""
    if not events.delete_event(session, athlete_id=athlete_id, event_id=event_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no event {event_id}")
    warm.after(athlete_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
