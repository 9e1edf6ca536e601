"""Typed dependencies: settings, a DB session per request, the loaded models."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from engine.recommend import ModelSet
from engine.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> Iterator[Session]:
    session = request.app.state.session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_models(request: Request) -> ModelSet:
    return request.app.state.models.current()


SettingsDep = Annotated[Settings, Depends(get_settings)]
# scope="function": commit before the response is sent, so an acknowledged write is durable
# and a failed commit (e.g. database locked) becomes an error answer, not a lost row.
SessionDep = Annotated[Session, Depends(get_db, scope="function")]
ModelsDep = Annotated[ModelSet, Depends(get_models)]

MAX_DB_ID = 2**31 - 1  # PostgreSQL INTEGER
AthleteId = Annotated[int, Path(ge=1, le=MAX_DB_ID, description="Athlete id.")]
