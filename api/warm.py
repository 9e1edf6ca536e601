"""After a write that changes an athlete's answer: today's answer is prepared in the background
(after the response), so the athlete's next "what today?" is served prepared by every worker
(``engine.services.recommendation.warm_today``; ``docs/feature-store.md``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request

from api.deps import ModelsDep, MorningCacheDep, SettingsDep
from engine.services.recommendation import warm_today


class Warm:
    """``warm.after(athlete_id)`` in a write route: prepare that athlete's answer of today
    once the response is sent (best effort: a failure is logged)."""

    def __init__(
        self,
        request: Request,
        background: BackgroundTasks,
        models: ModelsDep,
        settings: SettingsDep,
        cache: MorningCacheDep,
    ) -> None:
        self.request, self.background = request, background
        self.models, self.settings, self.cache = models, settings, cache

    def after(self, athlete_id: int) -> None:
        self.background.add_task(
            warm_today,
            self.request.app.state.session_factory,
            athlete_id=athlete_id,
            models=self.models,
            settings=self.settings,
            cache=self.cache,
        )


WarmDep = Annotated[Warm, Depends()]
