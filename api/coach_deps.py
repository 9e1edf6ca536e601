"""The per-app cache of athletes' morning states (features, context, block), as a dependency."""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import Depends, Request

from engine.coach import Morning
from engine.morning_cache import MorningCache

_CREATE = threading.Lock()


def get_morning_cache(request: Request) -> MorningCache[Morning]:
    """The app's cache, created on first use (keyed by log fingerprint, so never stale)."""
    state = request.app.state
    cache = getattr(state, "morning_cache", None)
    if cache is None:
        with _CREATE:
            cache = getattr(state, "morning_cache", None)
            if cache is None:
                cache = state.morning_cache = MorningCache()
    return cache


MorningCacheDep = Annotated[MorningCache[Morning], Depends(get_morning_cache)]
