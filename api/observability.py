"""Structured JSON logs with a request id, and the middleware that times every request."""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics import ApiMetrics
from engine import log_setup

REQUEST_ID_HEADER = "x-request-id"
REQUEST_ID_SCOPE_KEY = "cairn.request_id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_STANDARD_ATTRS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "cairn_request_id", default=None
)
access_log = logging.getLogger("api.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and any extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        entry |= {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS}
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO") -> None:
    """Send all logs as JSON lines to stderr, each record once.

    Replaces any earlier Cairn handler on the root logger (the CLI's plain one, when
    ``cairn serve`` starts the app: that pair printed every line twice), and routes
    MLflow/Alembic records through it at WARNING and above.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    log_setup.install_root_handler(handler, level=level)
    log_setup.quiet_library_loggers()
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # api.access replaces it


def _incoming_request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER.encode():
            candidate = value.decode("latin-1")
            if _VALID_REQUEST_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """Give each request an id (echo a sane incoming ``X-Request-ID``), time it per route
    template, and write one access-log line. Unhandled errors are logged and re-raised."""

    def __init__(self, app: ASGIApp, *, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope)
        scope[REQUEST_ID_SCOPE_KEY] = request_id
        request_id_var.set(request_id)
        started = time.perf_counter()
        status_code = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                headers = [h for h in message.get("headers", []) if h[0] != b"x-request-id"]
                message["headers"] = [*headers, (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            status_code = 500
            raise
        finally:
            self._record(scope, status_code, time.perf_counter() - started)

    def _record(self, scope: Scope, status_code: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", None) or "<unmatched>"
        method = scope["method"]
        self.metrics.observe_request(
            method=method, route=route, status=status_code, seconds=seconds
        )
        access_log.info(
            "request",
            extra={
                "method": method,
                "route": route,
                "path": scope["path"],
                "status": status_code,
                "duration_ms": round(seconds * 1000, 2),
                "principal": scope.get("cairn.principal"),
            },
        )
