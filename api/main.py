"""The FastAPI app factory. Models are loaded once at start-up and hot-reloaded on promotion."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType

from fastapi import Depends, FastAPI

from api.errors import ERROR_RESPONSES, install_error_handlers
from api.limits import BodyLimitMiddleware
from api.metrics import ApiMetrics
from api.model_cache import ModelCache
from api.observability import RequestContextMiddleware, configure_logging
from api.routes import (
    athletes,
    auth,
    events,
    exports,
    health,
    imports,
    jobs,
    logs,
    metrics,
    morning_scores,
    plan,
    recommendation,
    records,
    registry,
    users,
)
from api.security import require_athlete_access
from api.web import install_web
from engine.services.job_runner import TrainingJobRunner
from engine.settings import Settings
from engine.store import credentials, database, idempotency
from engine.store import jobs as engine_jobs

# No credential needed. Everything else is registered with require_athlete_access, and
# tests/api/test_access.py fails if a route outside this list lacks it.
PUBLIC_ROUTERS = (health, auth, metrics)
# Add new routers here (e.g. imports, plan): they get authentication and, for paths with
# {athlete_id}, the athlete-visibility check.
PROTECTED_ROUTERS: tuple[ModuleType, ...] = (athletes, logs, records, recommendation, registry)
PROTECTED_ROUTERS += (jobs, imports, plan, exports, users, events, morning_scores)


def _lifespan(settings: Settings):  # noqa: ANN202
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = database.make_engine(
            settings.database_url, busy_timeout_ms=settings.db_busy_timeout_ms
        )
        database.migrate_database(engine)
        factory = database.make_session_factory(engine)
        app.state.settings = settings
        app.state.session_factory = factory
        app.state.models = ModelCache(settings, check_every_s=settings.model_refresh_s)
        app.state.jobs = TrainingJobRunner(settings, factory, on_success=app.state.models.refresh)
        app.state.jobs.recover()
        with database.open_session(factory) as session:
            idempotency.delete_expired_idempotency_records(session, now=engine_jobs.utcnow())
        yield
        app.state.jobs.shutdown()
        engine.dispose()

    return lifespan


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for ``settings`` (read from ``CAIRN_*`` variables when omitted).

    Raises ``InsecureSettingsError`` when no signing secret is set outside demo mode.
    """
    settings = settings or Settings()
    secret_key = credentials.load_secret_key(settings)
    configure_logging(settings.log_level)
    app = FastAPI(
        title="Cairn",
        version="0.1.0",
        lifespan=_lifespan(settings),
        docs_url=None,  # served from local files by api.web.docs (no CDN)
        redoc_url=None,
        description="What should I do today, and why? Adaptive coaching for trail "
        "runners who also lift.",
    )
    app.state.secret_key = secret_key
    app.state.metrics = ApiMetrics()
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_kb * 1024)
    app.add_middleware(RequestContextMiddleware, metrics=app.state.metrics)
    for module in PUBLIC_ROUTERS:
        app.include_router(module.router, responses=ERROR_RESPONSES)
    for module in PROTECTED_ROUTERS:
        app.include_router(
            module.router,
            dependencies=[Depends(require_athlete_access)],
            responses=ERROR_RESPONSES,
        )
    install_web(app)
    return app
