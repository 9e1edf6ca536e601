"""The athlete's goal events page: list (upcoming and past), add, delete.

Same schema (``EventCreate``) and the same service/store functions as ``/athletes/{id}/events``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request, status
from fastapi.responses import Response

from api.deps import MAX_DB_ID, SessionDep, SettingsDep
from api.schemas import EventCreate
from api.web.forms import FormDep, parse_form
from api.web.rendering import is_htmx, redirect, render
from api.web.session import AthletePageDep, WebUserDep, check_csrf
from engine.services import events as goal_events
from engine.services.calendar import athlete_today
from engine.store import events, logbook

router = APIRouter(prefix="/app/athletes/{athlete_id}/events", include_in_schema=False)
EventId = Annotated[int, Path(ge=1, le=MAX_DB_ID)]
CsrfDep = Depends(check_csrf)


def _events_context(session: SessionDep, athlete_id: int, today: dt.date) -> dict[str, Any]:
    rows = [
        {**goal_events.event_dict(r), "days_to_go": (r.date - today).days}
        for r in events.read_events(session, athlete_id=athlete_id)
    ]
    return {
        "athlete": logbook.read_athlete(session, athlete_id=athlete_id),
        "upcoming": [r for r in rows if r["days_to_go"] >= 0],
        "past": [r for r in reversed(rows) if r["days_to_go"] < 0],
        "page": "events",
        "errors": [],
        "values": {},
    }


@router.get("")
def events_page(
    request: Request,
    athlete_id: AthletePageDep,
    user: WebUserDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Upcoming and past goal events with days to go; a form to add one."""
    today = athlete_today(session, athlete_id=athlete_id, settings=settings)
    context = _events_context(session, athlete_id, today)
    return render(request, "events.html", {"user": user, **context})


@router.post("", dependencies=[CsrfDep])
def post_event(
    request: Request,
    form: FormDep,
    athlete_id: AthletePageDep,
    user: WebUserDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Add a goal event (same rules as ``POST /athletes/{id}/events``); 422 with the errors."""
    body, errors = parse_form(form, EventCreate)
    if body is not None:
        try:
            goal_events.add_event(
                session,
                athlete_id=athlete_id,
                day=body.date,
                name=body.name,
                distance_km=body.distance_km,
                climb_m=body.climb_m,
                priority=body.priority,
            )
        except ValueError as err:
            errors = [str(err)]
        else:
            return redirect(f"/app/athletes/{athlete_id}/events")
    today = athlete_today(session, athlete_id=athlete_id, settings=settings)
    context = _events_context(session, athlete_id, today)
    values = {k: v for k, v in form.items() if k != "csrf_token" and isinstance(v, str)}
    context |= {"errors": errors, "values": values}
    return render(request, "events.html", {"user": user, **context}, status_code=422)


@router.post("/{event_id}/delete", dependencies=[CsrfDep])
def post_event_delete(
    request: Request,
    athlete_id: AthletePageDep,
    event_id: EventId,
    user: WebUserDep,
    session: SessionDep,
) -> Response:
    """Remove a goal event (404 when the athlete has no such event); htmx removes its row."""
    if not events.delete_event(session, athlete_id=athlete_id, event_id=event_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"event {event_id} not found")
    if is_htmx(request):
        return Response("", status_code=200)
    return redirect(f"/app/athletes/{athlete_id}/events")
