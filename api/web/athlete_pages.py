"""The athlete's pages: today, the week, the load chart, the log (edit, delete, upload)."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api.deps import ModelsDep, MorningCacheDep, SessionDep, SettingsDep
from api.record_schemas import SessionUpdate, merged
from api.schemas import EARLIEST_DATE, LATEST_DATE, SessionCreate, WellnessCreate
from api.uploads import MEGABYTE, UploadTooLargeError, check_content_length, receive_uploads
from api.warm import WarmDep
from api.web.forms import FormDep, parse_form, session_values
from api.web.rendering import is_htmx, redirect, render
from api.web.session import (
    CSRF_FIELD,
    CSRF_HEADER,
    AthletePageDep,
    WebUserDep,
    check_csrf,
    csrf_matches,
    csrf_token,
)
from engine.services import events as goal_events
from engine.services import load_history, plans
from engine.services.calendar import athlete_today
from engine.services.imports import ImportOptions, import_paths
from engine.services.recommendation import recommend_for
from engine.settings import Settings
from engine.store import jobs, logbook, records
from engine.store.records import Actor

router = APIRouter(prefix="/app/athletes/{athlete_id}", include_in_schema=False)
DayQuery = Annotated[dt.date | None, Query(ge=EARLIEST_DATE, le=LATEST_DATE)]
CsrfDep = Depends(check_csrf)


def _actor(user: WebUserDep) -> Actor:
    return Actor(subject=user.subject, user_id=user.user_id)


def _today_context(
    session: SessionDep,
    *,
    athlete_id: int,
    day: dt.date,
    models: ModelsDep,
    settings: SettingsDep,
    cache: MorningCacheDep,
) -> dict[str, Any]:
    rec = recommend_for(
        session, athlete_id=athlete_id, today=day, models=models, settings=settings, cache=cache
    )
    checkin, _ = records.read_records_page(
        session, record_type="wellness", athlete_id=athlete_id, start=day, end=day, limit=1
    )
    return {
        "athlete": logbook.read_athlete(session, athlete_id=athlete_id),
        "rec": rec.to_dict(),
        "day": day,
        "checkin": checkin[0] if checkin else None,
        "settings": settings,
        "goal": goal_events.goal_summary(session, athlete_id=athlete_id, today=day),
    }


@router.get("")
def today_page(
    request: Request,
    athlete_id: AthletePageDep,
    user: WebUserDep,
    session: SessionDep,
    models: ModelsDep,
    settings: SettingsDep,
    cache: MorningCacheDep,
    date: DayQuery = None,
) -> Response:
    """Today's session with its prescription, reasons and predictions; the check-in form."""
    context = _today_context(
        session,
        athlete_id=athlete_id,
        day=date or athlete_today(session, athlete_id=athlete_id, settings=settings),
        models=models,
        settings=settings,
        cache=cache,
    )
    return render(request, "today.html", {"user": user, "page": "today", **context})


@router.post("/checkin", dependencies=[CsrfDep])
def post_checkin(
    request: Request,
    form: FormDep,
    athlete_id: AthletePageDep,
    user: WebUserDep,
    session: SessionDep,
    models: ModelsDep,
    settings: SettingsDep,
    cache: MorningCacheDep,
) -> Response:
    """Save the morning check-in (same rules as ``POST /wellness``) and show the new answer."""
    body, errors = parse_form(form, WellnessCreate)
    day = (
        body.date
        if isinstance(body, WellnessCreate)
        else athlete_today(session, athlete_id=athlete_id, settings=settings)
    )
    if body is not None:
        row, created = logbook.save_wellness(
            session, athlete_id=athlete_id, values=body.model_dump()
        )
        records.write_change(
            session,
            row=row,
            action="create" if created else "update",
            changes={k: [None, v] for k, v in records.record_values(row).items()},
            actor=_actor(user),
            now=jobs.utcnow(),
        )
    if not is_htmx(request) and not errors:
        return redirect(f"/app/athletes/{athlete_id}?date={day.isoformat()}")
    context = _today_context(
        session, athlete_id=athlete_id, day=day, models=models, settings=settings, cache=cache
    )
    template = "_today.html" if is_htmx(request) else "today.html"
    code = status.HTTP_422_UNPROCESSABLE_CONTENT if errors and not is_htmx(request) else 200
    return render(
        request,
        template,
        {"user": user, "page": "today", "errors": errors, "saved": not errors, **context},
        status_code=code,
    )


@router.get("/week")
def week_page(
    request: Request,
    athlete_id: AthletePageDep,
    user: WebUserDep,
    session: SessionDep,
    models: ModelsDep,
    settings: SettingsDep,
    cache: MorningCacheDep,
    date: DayQuery = None,
) -> Response:
    """The week plan, each day with its prescription; staff may lock a day."""
    day = date or athlete_today(session, athlete_id=athlete_id, settings=settings)
    plan = plans.plan_for(
        session, athlete_id=athlete_id, today=day, models=models, settings=settings, cache=cache
    )
    athlete = logbook.read_athlete(session, athlete_id=athlete_id)
    return render(
        request,
        "week.html",
        {"user": user, "page": "week", "athlete": athlete, "plan": plan, "day": day},
    )


@router.get("/chart")
def chart_page(
    request: Request,
    athlete_id: AthletePageDep,
    user: WebUserDep,
    session: SessionDep,
    models: ModelsDep,
    settings: SettingsDep,
    start: Annotated[dt.date | None, Query(alias="from", ge=EARLIEST_DATE)] = None,
    end: Annotated[dt.date | None, Query(alias="to", le=LATEST_DATE)] = None,
) -> Response:
    """Fitness, fatigue and form with readiness and injury risk over time (uPlot)."""
    end = end or athlete_today(session, athlete_id=athlete_id, settings=settings)
    start = start or end - dt.timedelta(days=89)
    if not dt.timedelta(0) <= end - start < dt.timedelta(days=load_history.MAX_DAYS):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "from/to: bad date range")
    rows = load_history.read_load_days(
        session, athlete_id=athlete_id, start=start, end=end, models=models
    )
    athlete = logbook.read_athlete(session, athlete_id=athlete_id)
    series = json.dumps([{**r, "date": r["date"].isoformat()} for r in rows])
    return render(
        request,
        "chart.html",
        {
            "user": user,
            "page": "chart",
            "athlete": athlete,
            "rows": rows,
            "series": series,
            "start": start,
            "end": end,
        },
    )


LOG_PAGE = 50


def _log_context(
    session: SessionDep, athlete_id: int, settings: Settings, offset: int = 0
) -> dict[str, Any]:
    sessions, total = records.read_records_page(
        session, record_type="session", athlete_id=athlete_id, limit=LOG_PAGE, offset=offset
    )
    return {
        "athlete": logbook.read_athlete(session, athlete_id=athlete_id),
        "sessions": sessions,
        "total": total,
        "offset": offset,
        "page_size": LOG_PAGE,
        "page": "log",
        # the form's default date: the athlete's local today, not the server's
        "today": athlete_today(session, athlete_id=athlete_id, settings=settings),
    }


@router.get("/log")
def log_page(
    request: Request,
    athlete_id: AthletePageDep,
    user: WebUserDep,
    session: SessionDep,
    settings: SettingsDep,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    """Sessions by date (50 a page) with edit and delete, a form to log one, file upload."""
    context = _log_context(session, athlete_id, settings, offset)
    return render(request, "log.html", {"user": user, **context})


@router.post("/sessions", dependencies=[CsrfDep])
def post_session(
    request: Request,
    form: FormDep,
    athlete_id: AthletePageDep,
    user: WebUserDep,
    session: SessionDep,
    settings: SettingsDep,
    warm: WarmDep,
) -> Response:
    """Log a session by hand (same rules as ``POST /sessions``)."""
    body, errors = parse_form(form, SessionCreate)
    if body is None:
        context = {"user": user, "errors": errors, **_log_context(session, athlete_id, settings)}
        return render(request, "log.html", context, status_code=422)
    row = logbook.add_training_session(
        session, athlete_id=athlete_id, values=session_values(body), sets=[]
    )
    records.write_change(
        session,
        row=row,
        action="create",
        changes={k: [None, v] for k, v in records.record_values(row).items()},
        actor=_actor(user),
        now=jobs.utcnow(),
    )
    warm.after(athlete_id)
    return redirect(f"/app/athletes/{athlete_id}/log")


def _own_session(session: SessionDep, athlete_id: int, session_id: int) -> Any:
    row = records.read_record(
        session, record_type="session", athlete_id=athlete_id, record_id=session_id
    )
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"session {session_id} not found")
    return row


@router.get("/sessions/{session_id}/edit")
def edit_session_page(
    request: Request,
    athlete_id: AthletePageDep,
    session_id: int,
    user: WebUserDep,
    session: SessionDep,
) -> Response:
    """The form to correct a session."""
    row = _own_session(session, athlete_id, session_id)
    athlete = logbook.read_athlete(session, athlete_id=athlete_id)
    context = {"user": user, "page": "log", "athlete": athlete, "row": row, "errors": []}
    return render(request, "edit_session.html", context)


@router.post("/sessions/{session_id}", dependencies=[CsrfDep])
def post_session_edit(
    request: Request,
    form: FormDep,
    athlete_id: AthletePageDep,
    session_id: int,
    user: WebUserDep,
    session: SessionDep,
    warm: WarmDep,
) -> Response:
    """Save a corrected session (the merged record is validated like a new one)."""
    row = _own_session(session, athlete_id, session_id)
    patch, errors = parse_form(form, SessionUpdate)
    if patch is not None:
        try:
            record = merged(SessionCreate, records.record_values(row), patch)
        except ValidationError as err:
            errors = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()]
        else:
            values = record.model_dump(exclude={"sets"}, include=patch.model_fields_set)
            records.update_record(
                session, row=row, values=values, actor=_actor(user), now=jobs.utcnow()
            )
            warm.after(athlete_id)
            return redirect(f"/app/athletes/{athlete_id}/log")
    athlete = logbook.read_athlete(session, athlete_id=athlete_id)
    context = {"user": user, "page": "log", "athlete": athlete, "row": row, "errors": errors}
    return render(request, "edit_session.html", context, status_code=422)


@router.post("/sessions/{session_id}/delete", dependencies=[CsrfDep])
def post_session_delete(
    request: Request,
    athlete_id: AthletePageDep,
    session_id: int,
    user: WebUserDep,
    session: SessionDep,
    warm: WarmDep,
) -> Response:
    """Delete a session (htmx removes its row; without JavaScript the list reloads)."""
    row = _own_session(session, athlete_id, session_id)
    records.delete_record(session, row=row, actor=_actor(user), now=jobs.utcnow())
    warm.after(athlete_id)
    if is_htmx(request):
        return Response("", status_code=200)
    return redirect(f"/app/athletes/{athlete_id}/log")


@router.post("/imports")
async def post_upload(
    request: Request,
    athlete_id: AthletePageDep,
    user: WebUserDep,
    session: SessionDep,
    settings: SettingsDep,
    warm: WarmDep,
) -> Response:
    """Import uploaded files (FIT, GPX, lift logs, Cairn CSV) and show the summary."""
    limit = int(settings.max_upload_mb * MEGABYTE)
    factory = request.app.state.session_factory
    with tempfile.TemporaryDirectory(prefix="cairn-web-upload-") as folder:
        try:
            check_content_length(request, limit_bytes=limit)
            form = await receive_uploads(request, folder=Path(folder), limit_bytes=limit)
        except UploadTooLargeError as err:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, str(err)) from err
        sent = request.headers.get(CSRF_HEADER) or form.fields.get(CSRF_FIELD)
        if not csrf_matches(request, sent):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong CSRF token")
        summary = None
        errors = [] if form.files else ["files: choose at least one file"]
        last_id = await run_in_threadpool(
            lambda: records.read_last_session_id(session, athlete_id=athlete_id)
        )
        if form.files:
            skip = form.fields.get("skip_invalid") == "true"  # the form's checkbox
            options = ImportOptions(athlete_id=athlete_id, only_athlete=True, skip_invalid=skip)
            items = [(u.name, u.path) for u in form.files]
            summary = await run_in_threadpool(
                import_paths, factory, items=items, options=options, today=dt.date.today()
            )
    session.expire_all()  # the import wrote through its own sessions
    if summary is not None and summary.n_imported:
        warm.after(athlete_id)  # today's answer prepared after the response
    imported = await run_in_threadpool(
        lambda: records.read_sessions_after(session, athlete_id=athlete_id, after_id=last_id)
    )
    context = {"user": user, "summary": summary, "errors": errors, "imported": imported}
    context |= await run_in_threadpool(_log_context, session, athlete_id, settings)
    csrf_token(request)
    code = 200 if summary is not None and summary.ok else 422
    return render(request, "log.html", context, status_code=code)
