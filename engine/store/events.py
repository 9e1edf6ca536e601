"""Goal events (DB queries); every function takes the session by keyword."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.store.logbook import read_athlete
from engine.store.tables import GoalEvent


@dataclass(frozen=True)
class EventRecord:
    """A stored goal event (distance in km, climb in m, priority A/B/C)."""

    id: int
    athlete_id: int
    date: dt.date
    name: str
    distance_km: float
    climb_m: float
    priority: str


def _record(row: GoalEvent) -> EventRecord:
    return EventRecord(
        row.id, row.athlete_id, row.date, row.name, row.distance_km, row.climb_m, row.priority
    )


def save_event(
    session: Session,
    *,
    athlete_id: int,
    day: dt.date,
    name: str,
    distance_km: float,
    climb_m: float,
    priority: str,
    now: dt.datetime,
) -> EventRecord:
    """Add a goal event (raises ``AthleteNotFoundError`` for an unknown athlete)."""
    read_athlete(session, athlete_id=athlete_id)
    row = GoalEvent(
        athlete_id=athlete_id,
        date=day,
        name=name,
        distance_km=float(distance_km),
        climb_m=float(climb_m),
        priority=priority,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return _record(row)


def read_events(
    session: Session,
    *,
    athlete_id: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[EventRecord]:
    """The athlete's goal events between ``start`` and ``end`` (inclusive), by date."""
    query = select(GoalEvent).where(GoalEvent.athlete_id == athlete_id)
    if start is not None:
        query = query.where(GoalEvent.date >= start)
    if end is not None:
        query = query.where(GoalEvent.date <= end)
    return [_record(r) for r in session.scalars(query.order_by(GoalEvent.date, GoalEvent.id))]


def delete_event(session: Session, *, athlete_id: int, event_id: int) -> bool:
    """Remove one of the athlete's goal events; False when there was none."""
    result = session.execute(
        delete(GoalEvent).where(GoalEvent.athlete_id == athlete_id, GoalEvent.id == event_id)
    )
    return bool(getattr(result, "rowcount", 0))
