"""The FastAPI app factory. Models are loaded once at start-up and hot-reloaded on promotion."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.model_cache import ModelCache
from api.routes import athletes, health, logs, recommendation
from engine import database
from engine.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for ``settings`` (read from ``CAIRN_*`` variables when omitted)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = database.make_engine(settings.database_url)
        database.migrate_database(engine)
        app.state.settings = settings
        app.state.session_factory = database.make_session_factory(engine)
        app.state.models = ModelCache(settings)
        yield
        engine.dispose()

    app = FastAPI(
        title="Cairn",
        version="0.1.0",
        lifespan=lifespan,
        description="What should I do today, and why? Adaptive coaching for trail "
        "runners who also lift.",
    )
    install_error_handlers(app)
    for module in (health, athletes, logs, recommendation):
        app.include_router(module.router)
    return app
