"""Typed dependencies: settings, a DB session per request, the loaded models, the morning cache."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from engine.coach.morning import Morning
from engine.coach.scoring import ModelSet
from engine.services.morning_cache import MorningCache
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


_CREATE_CACHE = threading.Lock()


def get_morning_cache(request: Request) -> MorningCache[Morning]:
    """The app's cache of athletes' morning states, created on first use (keyed by the log
    fingerprint, so never stale)."""
    state = request.app.state
    cache = getattr(state, "morning_cache", None)
    if cache is None:
        with _CREATE_CACHE:
            cache = getattr(state, "morning_cache", None)
            if cache is None:
                cache = state.morning_cache = MorningCache()
    return cache


SettingsDep = Annotated[Settings, Depends(get_settings)]
# scope="function": commit before the response is sent, so an acknowledged write is durable
# and a failed commit (e.g. database locked) becomes an error answer, not a lost row.
SessionDep = Annotated[Session, Depends(get_db, scope="function")]
ModelsDep = Annotated[ModelSet, Depends(get_models)]
MorningCacheDep = Annotated[MorningCache[Morning], Depends(get_morning_cache)]

MAX_DB_ID = 2**31 - 1  # PostgreSQL INTEGER
AthleteId = Annotated[int, Path(ge=1, le=MAX_DB_ID, description="Athlete id.")]
