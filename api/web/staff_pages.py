"""Coach and admin pages: every athlete's day at a glance, locking a day, model status."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import Response
from pydantic import ValidationError

from api.deps import ModelsDep, MorningCacheDep, SessionDep, SettingsDep
from api.schemas import EARLIEST_DATE, LATEST_DATE, PlanLockCreate
from api.web.athlete_pages import FormDep
from api.web.rendering import is_htmx, redirect, render
from api.web.session import AthletePageDep, WebUserDep, check_csrf
from engine.errors import JobConflictError
from engine.services import model_registry, plans
from engine.services.calendar import athlete_today
from engine.services.recommendation import load_morning, recommend_for
from engine.store import accounts, jobs, plan_locks

router = APIRouter(prefix="/app", include_in_schema=False)
MAX_OVERVIEW = 100
ACWR_DANGER = 1.5


def _flags(rec: dict[str, Any], signals: dict[str, float], ceiling: float) -> list[str]:
    """Red flags for the overview: pain, illness, injury, high risk, spiking load."""
    flags = []
    if signals.get("open_injury"):
        flags.append("open injury")
    if signals.get("pain"):
        flags.append("pain")
    if signals.get("illness"):
        flags.append("illness")
    if rec["predicted"]["injury_risk"] >= ceiling:
        flags.append("injury risk at the ceiling")
    if (signals.get("acwr_ewma") or 0) > ACWR_DANGER:
        flags.append(f"acute:chronic {signals['acwr_ewma']:.2f}")
    if rec["degraded"]:
        flags.append("models unavailable")
    return flags


@router.get("/coach")
def coach_page(
    request: Request,
    user: WebUserDep,
    session: SessionDep,
    models: ModelsDep,
    settings: SettingsDep,
    cache: MorningCacheDep,
    date: Annotated[dt.date | None, Query(ge=EARLIEST_DATE, le=LATEST_DATE)] = None,
) -> Response:
    """Every athlete the coach may see (an admin: all, first 100): today's session,
    predicted readiness and risk, and red flags."""
    if user.role not in ("coach", "admin"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "coaches and admins only")
    day = date or dt.date.today()
    athletes, total = accounts.read_athletes_page(
        session,
        coach_id=user.user_id if user.role == "coach" else None,
        only_id=None,
        limit=MAX_OVERVIEW,
        offset=0,
    )
    rows = []
    for athlete in athletes:
        local = date or athlete_today(session, athlete_id=athlete.id, settings=settings)
        rec = recommend_for(
            session,
            athlete_id=athlete.id,
            today=local,
            models=models,
            settings=settings,
            cache=cache,
        )
        morning = load_morning(session, athlete_id=athlete.id, today=local, cache=cache)
        flags = morning.context
        signals = {
            **morning.signals,
            "open_injury": flags.open_injury,
            "pain": flags.pain,
            "illness": flags.illness,
        }
        rows.append(
            {
                "athlete": athlete,
                "rec": rec.to_dict(),
                "flags": _flags(rec.to_dict(), signals, settings.risk_ceiling),
            }
        )
    context = {"user": user, "page": "coach", "rows": rows, "total": total, "day": day}
    return render(request, "coach.html", context)


@router.post("/athletes/{athlete_id}/locks", dependencies=[Depends(check_csrf)])
def post_lock(
    request: Request,
    form: FormDep,
    athlete_id: AthletePageDep,
    user: WebUserDep,
    session: SessionDep,
) -> Response:
    """Lock a day of the week plan (same rules as ``PUT /plan/locks/{date}``)."""
    try:
        day = dt.date.fromisoformat(str(form.get("date", "")))
        body = PlanLockCreate(
            type=str(form.get("type", "")),
            duration_min=float(str(form.get("duration_min") or 0)),
            note=str(form.get("note", "")),
        )
    except (ValueError, ValidationError) as err:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"lock: {err}") from err
    existing = plan_locks.read_lock(session, athlete_id=athlete_id, day=day)
    role = user.role
    existing_role = existing.role if existing is not None else None
    if not plans.may_change_lock(role=role, existing_role=existing_role):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only a coach or admin may change it")
    plan_locks.save_lock(
        session,
        athlete_id=athlete_id,
        day=day,
        type_id=body.type,
        duration_min=body.duration_min,
        note=body.note,
        role=role,
        user_id=user.user_id,
        now=jobs.utcnow(),
    )
    return redirect(f"/app/athletes/{athlete_id}/week?date={form.get('week') or day}")


def _require_admin(user: WebUserDep) -> None:
    if user.role != "admin":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admin only")


def _models(settings: SettingsDep) -> tuple[list[dict[str, Any]], str | None]:
    try:
        names = [settings.readiness_model_name, settings.injury_model_name]
        rows = [r for n in names for r in model_registry.list_versions(settings, name=n)]
        return rows, None
    except Exception as err:  # noqa: BLE001 - any registry failure is shown, never a 500
        return [], f"model registry unavailable: {err}"


@router.get("/admin", dependencies=[Depends(_require_admin)])
def admin_page(
    request: Request, user: WebUserDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """Champions, every version's metrics, the latest jobs and a retrain button."""
    versions, problem = _models(settings)
    job_rows, _ = jobs.read_jobs_page(session, limit=5, offset=0)
    champions = [v for v in versions if "champion" in v.get("aliases", [])]
    context = {
        "user": user,
        "page": "admin",
        "versions": versions,
        "champions": champions,
        "problem": problem,
        "jobs": job_rows,
    }
    return render(request, "admin.html", context)


@router.post("/admin/retrain", dependencies=[Depends(_require_admin), Depends(check_csrf)])
def post_retrain(request: Request, user: WebUserDep) -> Response:
    """Start retraining in the background and show its progress."""
    try:
        job = request.app.state.jobs.start_retrain(requested_by=user.user_id, today=dt.date.today())
    except JobConflictError as err:
        job_id = err.job_id
    else:
        job_id = job.id
    if not is_htmx(request):
        return redirect("/app/admin")
    return redirect(f"/app/admin/jobs/{job_id}")


@router.get("/admin/jobs/{job_id}", dependencies=[Depends(_require_admin)])
def job_fragment(request: Request, job_id: str, user: WebUserDep, session: SessionDep) -> Response:
    """One job's progress (htmx polls it every second while it runs)."""
    job = jobs.read_job(session, job_id=job_id[:64])
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"job {job_id} not found")
    return render(request, "_job.html", {"job": job, "user": user})


@router.get("/none")
def no_athlete_page(request: Request, user: WebUserDep) -> Response:
    """An athlete account that is not linked to an athlete record."""
    return render(request, "none.html", {"user": user, "page": "none"})
