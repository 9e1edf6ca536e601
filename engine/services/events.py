"""Goal events for the CLI and the API: check, store, list, remove, and hand to the coach."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from engine.coach.goals import PRIORITIES, GoalEvent, goal_plan, recovery_days
from engine.store import events, jobs

MAX_DISTANCE_KM = 500.0
MAX_CLIMB_M = 20000.0
MAX_NAME = 120
LOOK_BACK_DAYS = 14  # recoveries last at most 10 days
LOOK_AHEAD_DAYS = 400


def check_event(*, name: str, distance_km: float, climb_m: float, priority: str) -> None:
    """Raise ``ValueError`` naming the field when a goal event is not plannable."""
    if not name.strip() or len(name) > MAX_NAME:
        raise ValueError(f"name must be 1-{MAX_NAME} characters")
    if not 0 < distance_km <= MAX_DISTANCE_KM:
        raise ValueError(f"distance_km must be in (0, {MAX_DISTANCE_KM:g}], got {distance_km:g}")
    if not 0 <= climb_m <= MAX_CLIMB_M:
        raise ValueError(f"climb_m must be in [0, {MAX_CLIMB_M:g}], got {climb_m:g}")
    if priority not in PRIORITIES:
        raise ValueError(f"priority must be one of {', '.join(PRIORITIES)}, got {priority!r}")


def add_event(
    session: Session,
    *,
    athlete_id: int,
    day: dt.date,
    name: str,
    distance_km: float,
    climb_m: float,
    priority: str,
) -> events.EventRecord:
    """Check and store a goal event (``ValueError`` for bad fields, nothing written)."""
    check_event(name=name, distance_km=distance_km, climb_m=climb_m, priority=priority)
    return events.save_event(
        session,
        athlete_id=athlete_id,
        day=day,
        name=name.strip(),
        distance_km=distance_km,
        climb_m=climb_m,
        priority=priority,
        now=jobs.utcnow(),
    )


def event_dict(record: events.EventRecord) -> dict[str, Any]:
    """The event JSON (``EventPublic``)."""
    return {
        "id": record.id,
        "athlete_id": record.athlete_id,
        "date": record.date.isoformat(),
        "name": record.name,
        "distance_km": record.distance_km,
        "climb_m": record.climb_m,
        "priority": record.priority,
    }


def read_goal_events(session: Session, *, athlete_id: int, today: dt.date) -> tuple[GoalEvent, ...]:
    """The events that shape the plan from ``today``: recent ones (recovery) and those ahead."""
    found = events.read_events(
        session,
        athlete_id=athlete_id,
        start=today - dt.timedelta(days=LOOK_BACK_DAYS),
        end=today + dt.timedelta(days=LOOK_AHEAD_DAYS),
    )
    out = tuple(
        GoalEvent(r.id, r.date, r.name, r.distance_km, r.climb_m, r.priority) for r in found
    )
    return tuple(e for e in out if e.date >= today or (today - e.date).days <= recovery_days(e))


def goal_summary(session: Session, *, athlete_id: int, today: dt.date) -> dict[str, Any] | None:
    """The plan JSON's ``goal`` for ``today`` (next A event, phase, taper start), or None."""
    found = read_goal_events(session, athlete_id=athlete_id, today=today)
    return goal_plan(found, today=today).summary
