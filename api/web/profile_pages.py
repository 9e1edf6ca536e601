"""The athlete's profile page: the values the answers are built from, correctable in one form.

Same schema (``AthleteUpdate``) and store function as ``PATCH /athletes/{id}``. The form shows
every value, so a field left blank is cleared (``None``), and the availability is seven
minute counts (a blank day is 0).
"""

from __future__ import annotations

from functools import cache
from typing import Any
from zoneinfo import available_timezones

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from api.deps import SessionDep, SettingsDep
from api.schemas import AthleteUpdate
from api.web.forms import FormDep
from api.web.rendering import redirect, render
from api.web.session import AthletePageDep, WebUserDep, check_csrf
from engine.store import logbook

router = APIRouter(prefix="/app/athletes/{athlete_id}/profile", include_in_schema=False)
FIELDS = ("name", "birth_year", "sex", "experience_years", "max_hr", "resting_hr", "goal",
          "timezone")  # fmt: skip
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@cache
def _zones() -> list[str]:
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))


def _form_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in FIELDS:
        raw = form.get(name)
        values[name] = (raw.strip() or None) if isinstance(raw, str) else None
    days = [form.get(f"availability_{k}") for k in range(7)]
    values["availability_min"] = [
        day.strip() if isinstance(day, str) and day.strip() else "0" for day in days
    ]
    return values


def _page(
    request: Request, *, athlete_id: int, user: Any, session: SessionDep, settings: SettingsDep,
    values: dict[str, Any] | None = None, errors: list[str] | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    athlete = logbook.read_athlete(session, athlete_id=athlete_id)
    shown = values or {name: getattr(athlete, name) for name in (*FIELDS, "availability_min")}
    context = {
        "user": user, "athlete": athlete, "page": "profile", "values": shown,
        "errors": errors or [], "days": DAYS, "zones": _zones(),
        "default_zone": settings.default_timezone, "saved": request.query_params.get("saved"),
    }  # fmt: skip
    return render(request, "profile.html", context, status_code=status_code)


@router.get("")
def profile_page(
    request: Request,
    athlete_id: AthletePageDep,
    user: WebUserDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """The profile: name, age, sex, experience, heart rates, weekly availability, time zone."""
    return _page(request, athlete_id=athlete_id, user=user, session=session, settings=settings)


@router.post("", dependencies=[Depends(check_csrf)])
def post_profile(
    request: Request,
    form: FormDep,
    athlete_id: AthletePageDep,
    user: WebUserDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Save the profile (the rules of ``PATCH /athletes/{id}``); 422 with the errors."""
    values = _form_values(form)
    try:
        body = AthleteUpdate.model_validate(values)
    except ValidationError as err:
        errors = [
            f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}" for e in err.errors()
        ]
        return _page(request, athlete_id=athlete_id, user=user, session=session,
                     settings=settings, values=values, errors=errors, status_code=422)  # fmt: skip
    logbook.update_athlete(session, athlete_id=athlete_id, values=body.model_dump())
    return redirect(f"/app/athletes/{athlete_id}/profile?saved=1")
