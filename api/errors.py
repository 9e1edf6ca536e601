"""Map domain errors to HTTP answers, all with one JSON shape: {"error", "detail"}."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.observability import REQUEST_ID_SCOPE_KEY
from api.schemas import ErrorBody
from engine.errors import (
    AthleteNotFoundError,
    IdempotencyKeyReusedError,
    InsufficientDataError,
    JobConflictError,
    ModelUnavailableError,
)

log = logging.getLogger(__name__)

HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    503: "unavailable",
}

# Declared on every router so the OpenAPI schema documents the one error shape.
ERROR_RESPONSES: dict[int | str, dict] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in {
        400: "The body could not be read (e.g. not UTF-8).",
        401: "No valid bearer token or API key.",
        403: "Authenticated but not allowed (role or API-key scope).",
        404: "Not found, or not visible to the caller.",
        409: "Conflict: duplicate record, active job or in-flight Idempotency-Key.",
        413: "Request body too large.",
        422: "Invalid request: `detail` names each field.",
        503: "Database busy or model registry unavailable; see Retry-After.",
    }.items()
}


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
        error = HTTP_ERROR_CODES.get(exc.status_code, "http_error")
        return _body(exc.status_code, error, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(IdempotencyKeyReusedError)
    async def _key_reused(_: Request, exc: IdempotencyKeyReusedError) -> JSONResponse:
        return _body(422, "idempotency_key_reused", str(exc))

    @app.exception_handler(JobConflictError)
    async def _job_conflict(_: Request, exc: JobConflictError) -> JSONResponse:
        return _body(409, "job_conflict", str(exc), {"Location": f"/jobs/{exc.job_id}"})

    @app.exception_handler(IntegrityError)
    async def _duplicate(_: Request, exc: IntegrityError) -> JSONResponse:
        log.info("integrity error: %s", exc.orig)
        return _body(409, "conflict", "this conflicts with an existing record (duplicate?)")

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
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", exc_info=exc)
        request_id = request.scope.get(REQUEST_ID_SCOPE_KEY)
        headers = {"X-Request-ID": request_id} if request_id else None
        return _body(500, "internal_error", "an unexpected error occurred", headers)
