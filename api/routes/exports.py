"""The plan for calendar apps (``plan.ics``) and today's session for a watch (``.fit``).

``plan.ics`` also accepts ``?token=<calendar token>`` because calendar apps cannot send
headers; ``POST /athletes/{id}/calendar-token`` issues one (read-only, that calendar only).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field

from api.deps import AthleteId, ModelsDep, MorningCacheDep, SessionDep, SettingsDep
from api.schemas import AthleteDayQuery
from api.security import PrincipalDep
from engine.services import plans
from engine.services.plan_calendar import build_plan_calendar
from engine.services.recommendation import recommend_for
from engine.services.workout_fit import NoWorkoutError, build_workout_fit
from engine.store import calendar_tokens, jobs

router = APIRouter(prefix="/athletes/{athlete_id}", tags=["calendar and watch"])
CALENDAR_TYPE = "text/calendar"
FIT_TYPE = "application/vnd.ant.fit"


class CalendarTokenPublic(BaseModel):
    """A calendar token, shown once: subscribe to ``url`` (append it to the server's origin)."""

    key_id: str = Field(description="Public id, e.g. for `cairn keys revoke`.")
    token: str = Field(description="The secret; only its hash is stored.")
    scope: str
    url: str = Field(description="Path and query to subscribe to.")


def _binary(media_type: str, description: str) -> dict:
    content = {media_type: {"schema": {"type": "string", "format": "binary"}}}
    return {200: {"description": description, "content": content}}


@router.get(
    "/plan.ics",
    response_class=Response,
    responses=_binary(CALENDAR_TYPE, "One all-day event per planned day, with the prescription."),
)
def read_plan_calendar(
    athlete_id: AthleteId,
    session: SessionDep,
    models: ModelsDep,
    settings: SettingsDep,
    cache: MorningCacheDep,
    days: Annotated[int, Query(ge=1, le=7, description="Days to plan from today.")] = 7,
    token: Annotated[
        str | None,
        Query(max_length=200, description="A calendar token, for apps that cannot send headers."),
    ] = None,
) -> Response:
    """The week plan as an iCalendar feed (subscribe with a calendar token)."""
    plan = plans.plan_for(
        session,
        athlete_id=athlete_id,
        today=None,  # the athlete's local date (their time zone)
        days=days,
        models=models,
        settings=settings,
        cache=cache,
    )
    body = build_plan_calendar(plan, now=jobs.utcnow())
    headers = {"Content-Disposition": f'inline; filename="cairn-plan-{athlete_id}.ics"'}
    return Response(body, media_type=CALENDAR_TYPE, headers=headers)


@router.get(
    "/recommendation.fit",
    response_class=Response,
    responses=_binary(FIT_TYPE, "A FIT workout file (file_id, workout, workout_step)."),
)
def read_recommendation_fit(
    athlete_id: AthleteId,
    session: SessionDep,
    models: ModelsDep,
    settings: SettingsDep,
    cache: MorningCacheDep,
    date: AthleteDayQuery = None,
) -> Response:
    """Today's session as a structured FIT workout for a watch (404 on a rest day)."""
    rec = recommend_for(
        session,
        athlete_id=athlete_id,
        today=date,  # None: the athlete's local date (their time zone)
        models=models,
        settings=settings,
        cache=cache,
    )
    try:
        body = build_workout_fit(rec.to_dict(), now=jobs.utcnow())
    except NoWorkoutError as err:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{rec.date}: {err}") from err
    name = f"cairn-{rec.date.isoformat()}-{rec.session['type']}.fit"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=FIT_TYPE, headers=headers)


def _users_only(principal: PrincipalDep) -> None:
    if principal.kind != "user":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "sign in to manage calendar tokens")


@router.post("/calendar-token", status_code=status.HTTP_201_CREATED)
def create_calendar_token(
    athlete_id: AthleteId, request: Request, session: SessionDep, principal: PrincipalDep
) -> CalendarTokenPublic:
    """Issue a read-only token for this athlete's ``plan.ics`` (earlier ones are revoked)."""
    _users_only(principal)
    key_id, token = calendar_tokens.issue_calendar_token(
        session, athlete_id=athlete_id, now=jobs.utcnow()
    )
    path = request.url_for("read_plan_calendar", athlete_id=athlete_id).path
    scope = calendar_tokens.CALENDAR_SCOPE
    return CalendarTokenPublic(key_id=key_id, token=token, scope=scope, url=f"{path}?token={token}")


@router.delete("/calendar-token", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_calendar_tokens(
    athlete_id: AthleteId, session: SessionDep, principal: PrincipalDep
) -> Response:
    """Revoke every calendar token of this athlete (subscribed calendars stop updating)."""
    _users_only(principal)
    calendar_tokens.revoke_calendar_tokens(session, athlete_id=athlete_id, now=jobs.utcnow())
    return Response(status_code=status.HTTP_204_NO_CONTENT)
