"""``Idempotency-Key`` on logging POSTs: a retried request gets the stored answer.

The record (athlete, key, request hash, status, body) is written in the same transaction as
the row it guards, so either both commit or neither does. The same key with a different
request (method, route or body) is a client error: 422 ``idempotency_key_reused``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from api.deps import SessionDep
from api.metrics import MetricsDep
from engine.errors import IdempotencyKeyReusedError
from engine.store import idempotency, jobs

REPLAY_HEADER = "Idempotent-Replayed"

KeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Any unique string (e.g. a UUID). A retry with the same key and body gets "
        "the first answer; the same key with another body gets 422. Kept 24 h.",
    ),
]


class Idempotent:
    """Runs a write once per (athlete, key); replays the stored answer afterwards."""

    def __init__(self, request: Request, session: SessionDep, metrics: MetricsDep, key: str | None):
        self._request = request
        self._session = session
        self._metrics = metrics
        self._key = key

    def run(
        self,
        *,
        athlete_id: int,
        body: BaseModel,
        write: Callable[[], tuple[int, BaseModel]],
    ) -> JSONResponse:
        """Answer with ``write()``'s (status, model), or the stored answer for this key."""
        if self._key is None:
            code, model = write()
            return JSONResponse(model.model_dump(mode="json"), status_code=code)
        route = getattr(self._request.scope.get("route"), "path", self._request.url.path)
        digest = idempotency.hash_request(
            method=self._request.method, route=route, body=body.model_dump(mode="json")
        )
        now = jobs.utcnow()
        record = idempotency.read_idempotency_record(
            self._session, athlete_id=athlete_id, key=self._key, now=now
        )
        if record is not None:
            if record.request_hash != digest:
                raise IdempotencyKeyReusedError(
                    "this Idempotency-Key was already used with a different request"
                )
            self._metrics.idempotent_replays.inc()
            return JSONResponse(
                record.response, status_code=record.status_code, headers={REPLAY_HEADER: "true"}
            )
        code, model = write()
        content = model.model_dump(mode="json")
        try:
            idempotency.save_idempotency_record(
                self._session,
                athlete_id=athlete_id,
                key=self._key,
                request_hash=digest,
                status_code=code,
                response=content,
                now=now,
            )
        except IntegrityError as err:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                "a request with this Idempotency-Key is in progress; retry shortly",
            ) from err
        return JSONResponse(content, status_code=code)


def get_idempotent(
    request: Request, session: SessionDep, metrics: MetricsDep, key: KeyHeader = None
) -> Idempotent:
    return Idempotent(request, session, metrics, key)


IdempotentDep = Annotated[Idempotent, Depends(get_idempotent)]
