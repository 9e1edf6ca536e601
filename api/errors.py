"""Map domain errors to HTTP answers, all with one JSON shape: {"error", "detail"}."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine.errors import AthleteNotFoundError, InsufficientDataError, ModelUnavailableError

log = logging.getLogger(__name__)


def _body(status: int, error: str, detail: object, headers: dict | None = None) -> JSONResponse:
    return JSONResponse(
        status_code=status, content={"error": error, "detail": detail}, headers=headers
    )


def _validation_detail(exc: RequestValidationError) -> list[dict]:
    out = []
    for e in exc.errors():
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path")]
        out.append({"field": ".".join(loc), "message": e.get("msg", ""), "type": e.get("type")})
    return out


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _body(422, "invalid_request", _validation_detail(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _body(exc.status_code, "http_error", str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(AthleteNotFoundError)
    async def _not_found(_: Request, exc: AthleteNotFoundError) -> JSONResponse:
        return _body(404, "not_found", str(exc))

    @app.exception_handler(InsufficientDataError)
    async def _insufficient(_: Request, exc: InsufficientDataError) -> JSONResponse:
        return _body(422, "insufficient_data", str(exc))

    @app.exception_handler(ModelUnavailableError)
    async def _unavailable(_: Request, exc: ModelUnavailableError) -> JSONResponse:
        return _body(503, "model_unavailable", str(exc), {"Retry-After": "30"})

    @app.exception_handler(OperationalError)
    async def _db_busy(_: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database unavailable: %s", exc)
        return _body(
            503, "database_unavailable", "the database is busy; retry shortly", {"Retry-After": "2"}
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return _body(500, "internal_error", "an unexpected error occurred")
