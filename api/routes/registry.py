"""Model management (admins): registry versions, promotion, and retraining as a job."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response, status

from api.deps import SettingsDep
from api.schemas import JobPublic, ModelsPublic, ModelVersionPublic, PromoteRequest
from api.security import AdminDep, require_admin
from engine.errors import ModelUnavailableError
from engine.training import tracking_store
from models import tracking

router = APIRouter(prefix="/models", tags=["models"], dependencies=[Depends(require_admin)])

ModelName = Annotated[str, Path(min_length=1, max_length=120, description="Registered name.")]


def _model_names(request: Request) -> list[str]:
    settings = request.app.state.settings
    return [settings.readiness_model_name, settings.injury_model_name]


def _read_versions(settings: SettingsDep, names: list[str]) -> list[dict]:
    try:
        return [
            row
            for name in names
            for row in tracking.list_model_versions(tracking_store(settings), name=name)
        ]
    except Exception as err:  # noqa: BLE001 - any registry failure is a 503, never a 500
        raise ModelUnavailableError(f"model registry unavailable: {err}") from err


@router.get("", response_model=ModelsPublic)
def list_models(request: Request, settings: SettingsDep) -> ModelsPublic:
    """Every registered version of both models with its aliases and run metrics."""
    rows = _read_versions(settings, _model_names(request))
    data = [ModelVersionPublic.model_validate(r) for r in rows]
    return ModelsPublic(data=data, count=len(data))


@router.post("/{name}/promote", response_model=ModelsPublic)
def promote_model(
    name: ModelName, body: PromoteRequest, request: Request, settings: SettingsDep
) -> ModelsPublic:
    """Point ``<name>@champion`` at a version (also how to roll back); served within seconds."""
    if name not in _model_names(request):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"model {name} not found")
    rows = _read_versions(settings, [name])
    if body.version not in {r["version"] for r in rows}:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{name} version {body.version} not found")
    try:
        tracking.set_alias(
            tracking_store(settings), name=name, alias=settings.champion_alias, version=body.version
        )
    except Exception as err:  # noqa: BLE001 - any registry failure is a 503, never a 500
        raise ModelUnavailableError(f"model registry unavailable: {err}") from err
    request.app.state.models.refresh()
    data = [ModelVersionPublic.model_validate(r) for r in _read_versions(settings, [name])]
    return ModelsPublic(data=data, count=len(data))


@router.post(
    "/retrain",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
)
def start_retraining(request: Request, response: Response, caller: AdminDep) -> JobPublic:
    """Start retraining in the background; poll ``GET /jobs/{id}``. One job at a time."""
    job = request.app.state.jobs.start_retrain(requested_by=caller.user_id, today=dt.date.today())
    response.headers["Location"] = f"/jobs/{job.id}"
    return JobPublic.model_validate(job)
