"""Liveness and readiness."""

from typing import Literal

from fastapi import APIRouter
from sqlalchemy import text

from api.deps import ModelsDep, SessionDep
from api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def read_health(session: SessionDep, models: ModelsDep) -> Health:
    """Service status: database reachable, model versions served, degraded flag."""
    try:
        session.execute(text("SELECT 1"))
        database: Literal["ok", "unavailable"] = "ok"
    except Exception:  # noqa: BLE001 - health reports, never fails
        database = "unavailable"
    return Health(
        status="ok", database=database, models=models.versions, degraded=not models.available
    )
