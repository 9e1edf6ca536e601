"""Reading back, correcting and deleting logged records, with an audit trail (DB queries).

Every change (create, update, delete) made through these functions writes one
``RecordChange`` row: who, when, and each changed field as ``[before, after]``. Its id is part
of the athletes' log fingerprint (``engine.store.plan_locks``), so cached mornings and answers are
rebuilt after any correction. Every function takes the DB session keyword-only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from engine.store.logbook import read_athlete
from engine.store.tables import Injury, RecordChange, StrengthSet, TrainingSession, WellnessCheckin

RecordType = Literal["session", "wellness", "injury"]
TABLES: dict[str, Any] = {
    "session": TrainingSession,
    "wellness": WellnessCheckin,
    "injury": Injury,
}
_DATE_COLUMN = {"session": "date", "wellness": "date", "injury": "start_date"}
_SET_FIELDS = ("exercise", "set_number", "reps", "load_kg", "rpe")
_SKIP = frozenset({"id", "athlete_id", "sets", "session"})


@dataclass(frozen=True)
class Actor:
    """Who makes a change: ``subject`` (``user:3``, ``key:ab12``) and the user id, if any."""

    subject: str
    user_id: int | None = None


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def record_values(row: Any) -> dict[str, Any]:
    """A record's stored fields as JSON-ready values (a session's sets under ``sets``)."""
    out = {
        c.key: _json_value(getattr(row, c.key)) for c in row.__table__.columns if c.key not in _SKIP
    }
    if isinstance(row, TrainingSession):
        out["sets"] = [{f: getattr(s, f) for f in _SET_FIELDS} for s in row.sets]
    return out


def write_change(
    session: Session,
    *,
    row: Any,
    action: Literal["create", "update", "delete"],
    changes: Mapping[str, Any],
    actor: Actor,
    now: dt.datetime,
) -> RecordChange:
    """Log one change of ``row`` (a session, check-in or injury)."""
    record_type = next(k for k, table in TABLES.items() if isinstance(row, table))
    change = RecordChange(
        athlete_id=row.athlete_id,
        record_type=record_type,
        record_id=row.id,
        action=action,
        changes=dict(changes),
        changed_by=actor.subject[:80],
        user_id=actor.user_id,
        changed_at=now,
    )
    session.add(change)
    session.flush()
    return change


def read_records_page(
    session: Session,
    *,
    record_type: RecordType,
    athlete_id: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Any], int]:
    """One page of an athlete's records between ``start`` and ``end`` (inclusive), newest
    first, and the total count in that range. Raises ``AthleteNotFoundError``."""
    read_athlete(session, athlete_id=athlete_id)
    table = TABLES[record_type]
    day = getattr(table, _DATE_COLUMN[record_type])
    where = [table.athlete_id == athlete_id]
    if start is not None:
        where.append(day >= start)
    if end is not None:
        where.append(day <= end)
    total = session.scalar(select(func.count(table.id)).where(*where)) or 0
    query = select(table).where(*where).order_by(day.desc(), table.id.desc())
    if record_type == "session":
        query = query.options(selectinload(TrainingSession.sets))
    rows = list(session.scalars(query.limit(limit).offset(offset)))
    return rows, total


def read_record(
    session: Session, *, record_type: RecordType, athlete_id: int, record_id: int
) -> Any | None:
    """The athlete's record with this id, or None (also when it belongs to someone else)."""
    row = session.get(TABLES[record_type], record_id)
    return row if row is not None and row.athlete_id == athlete_id else None


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def update_record(
    session: Session,
    *,
    row: Any,
    values: Mapping[str, Any],
    actor: Actor,
    now: dt.datetime,
    sets: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, list[Any]]:
    """Apply already-validated ``values`` (and, for a session, replace its ``sets`` when given).

    Returns the changed fields as ``[before, after]``; a change is logged only when something
    changed.
    """
    before = record_values(row)
    for key, value in values.items():
        setattr(row, key, value)
    if sets is not None:
        row.sets = [StrengthSet(**s) for s in sets]
    session.flush()
    changed = _diff(before, record_values(row))
    if changed:
        write_change(session, row=row, action="update", changes=changed, actor=actor, now=now)
    return changed


def delete_record(session: Session, *, row: Any, actor: Actor, now: dt.datetime) -> None:
    """Delete a record (a session with its sets); the log keeps the deleted values."""
    write_change(
        session,
        row=row,
        action="delete",
        changes={k: [v, None] for k, v in record_values(row).items()},
        actor=actor,
        now=now,
    )
    session.delete(row)
    session.flush()


def read_changes(
    session: Session, *, athlete_id: int, limit: int = 100, offset: int = 0
) -> list[RecordChange]:
    """The athlete's record changes, newest first."""
    query = (
        select(RecordChange)
        .where(RecordChange.athlete_id == athlete_id)
        .order_by(RecordChange.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(query))


def read_last_session_id(session: Session, *, athlete_id: int) -> int:
    """The athlete's highest session id (0 without sessions)."""
    query = select(func.max(TrainingSession.id)).where(TrainingSession.athlete_id == athlete_id)
    return session.scalar(query) or 0


def read_sessions_after(session: Session, *, athlete_id: int, after_id: int) -> list[Any]:
    """The athlete's sessions with an id above ``after_id`` (e.g. just imported), by date."""
    query = (
        select(TrainingSession)
        .where(TrainingSession.athlete_id == athlete_id, TrainingSession.id > after_id)
        .order_by(TrainingSession.date.desc(), TrainingSession.id.desc())
        .limit(100)
    )
    return list(session.scalars(query))
