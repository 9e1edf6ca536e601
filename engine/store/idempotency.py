"""Stored answers to retried POSTs (``Idempotency-Key``), kept for ``RETENTION``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.store.tables import IdempotencyRecord

RETENTION = dt.timedelta(hours=24)


def hash_request(*, method: str, route: str, body: Mapping[str, Any]) -> str:
    """SHA-256 of the method, the route template and the validated body (canonical JSON)."""
    canonical = json.dumps(body, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{method} {route}\n{canonical}".encode()).hexdigest()


def read_idempotency_record(
    session: Session, *, athlete_id: int, key: str, now: dt.datetime
) -> IdempotencyRecord | None:
    """The live record for (athlete, key); an expired one is deleted and None returned."""
    query = select(IdempotencyRecord).where(
        IdempotencyRecord.athlete_id == athlete_id, IdempotencyRecord.key == key
    )
    record = session.scalars(query).first()
    if record is not None and record.created_at < now - RETENTION:
        session.delete(record)
        session.flush()
        return None
    return record


def save_idempotency_record(
    session: Session,
    *,
    athlete_id: int,
    key: str,
    request_hash: str,
    status_code: int,
    response: Mapping[str, Any],
    now: dt.datetime,
) -> IdempotencyRecord:
    """Insert the record in the caller's transaction (so it commits with the write it guards)."""
    record = IdempotencyRecord(
        athlete_id=athlete_id,
        key=key,
        request_hash=request_hash,
        status_code=status_code,
        response=dict(response),
        created_at=now,
    )
    session.add(record)
    session.flush()
    return record


def delete_expired_idempotency_records(session: Session, *, now: dt.datetime) -> int:
    """Drop records older than ``RETENTION``; returns how many."""
    result = session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - RETENTION)
    )
    return int(getattr(result, "rowcount", 0) or 0)
