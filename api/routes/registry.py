"""Model management (admins): registry versions, promotion/rollback, retraining as a job.

Registry logic lives in ``engine.services.model_registry`` (shared with ``cairn models``).
"""

import datetime as dt
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response, status

from api.deps import SettingsDep
from api.schemas import JobPublic, ModelsPublic, ModelVersionPublic, PromoteRequest
from api.security import AdminDep, require_admin
from engine.errors import ModelUnavailableError
from engine.services import model_registry
from engine.settings import Settings

router = APIRouter(prefix="/models", tags=["models"], dependencies=[Depends(require_admin)])

ModelName = Annotated[str, Path(min_length=1, max_length=120, description="Registered name.")]
T = TypeVar("T")


def _registry(call: Callable[[], T]) -> T:
    """Run a registry call; any failure of the registry itself is a 503, never a 500."""
    try:
        return call()
    except ModelUnavailableError:
        raise
    except Exception as err:  # noqa: BLE001 - MLflow/DB errors of every kind
        raise ModelUnavailableError(f"model registry unavailable: {err}") from err


def _names(settings: Settings) -> list[str]:
    return [settings.readiness_model_name, settings.injury_model_name]


def _versions(settings: Settings, names: list[str]) -> ModelsPublic:
    rows = _registry(
        lambda: [r for n in names for r in model_registry.list_versions(settings, name=n)]
    )
    data = [ModelVersionPublic.model_validate(r) for r in rows]
    return ModelsPublic(data=data, count=len(data))


def _known_name(settings: Settings, name: str) -> str:
    if name not in _names(settings):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"model {name} not found")
    return name


@router.get("", response_model=ModelsPublic)
def list_models(settings: SettingsDep) -> ModelsPublic:
    """Every registered version of both models with its aliases and run metrics."""
    return _versions(settings, _names(settings))


@router.post("/{name}/promote", response_model=ModelsPublic)
def promote_model(
    name: ModelName, body: PromoteRequest, request: Request, settings: SettingsDep, caller: AdminDep
) -> ModelsPublic:
    """Make a version the champion (the old one becomes previous-champion); served at once."""
    _known_name(settings, name)
    listed = _versions(settings, [name])
    if body.version not in {v.version for v in listed.data}:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{name} version {body.version} not found")
    reason = f"promoted through the API by {caller.subject}"
    _registry(
        lambda: model_registry.promote(settings, name=name, version=body.version, reason=reason)
    )
    request.app.state.models.refresh()
    return _versions(settings, [name])


@router.post("/{name}/rollback", response_model=ModelsPublic)
def rollback_model(name: ModelName, request: Request, settings: SettingsDep) -> ModelsPublic:
    """Restore the previous champion (409 when there is none); served at once."""
    _known_name(settings, name)
    try:
        _registry(lambda: model_registry.rollback(settings, name=name))
    except ModelUnavailableError as err:
        if "no previous champion" not in str(err):
            raise
        raise HTTPException(status.HTTP_409_CONFLICT, str(err)) from err
    request.app.state.models.refresh()
    return _versions(settings, [name])


@router.post("/retrain", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED)
def start_retraining(request: Request, response: Response, caller: AdminDep) -> JobPublic:
    """Start retraining in the background; poll ``GET /jobs/{id}``. One job at a time."""
    job = request.app.state.jobs.start_retrain(requested_by=caller.user_id, today=dt.date.today())
    response.headers["Location"] = f"/jobs/{job.id}"
    return JobPublic.model_validate(job)
