"""Plan locks and the log fingerprint (DB queries); every function takes the session by keyword."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass

from sqlalchemy import Integer, cast, delete, func, select
from sqlalchemy.orm import Session

from engine.optimizer.catalogue import Candidate, make_candidate
from engine.store.logbook import read_athlete
from engine.store.tables import Injury, PlanLock, RecordChange, TrainingSession, WellnessCheckin


@dataclass(frozen=True)
class LockRecord:
    """A stored lock (duration in minutes; ``role`` of whoever set it)."""

    athlete_id: int
    date: dt.date
    type: str
    duration_min: float
    note: str
    role: str
    created_at: dt.datetime

    @property
    def candidate(self) -> Candidate:
        return make_candidate(self.type, self.duration_min)


def _record(row: PlanLock) -> LockRecord:
    return LockRecord(
        row.athlete_id, row.date, row.type, row.duration_min, row.note, row.role, row.created_at
    )


def read_locks(
    session: Session,
    *,
    athlete_id: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[LockRecord]:
    """The athlete's locks between ``start`` and ``end`` (inclusive), by date."""
    query = select(PlanLock).where(PlanLock.athlete_id == athlete_id)
    if start is not None:
        query = query.where(PlanLock.date >= start)
    if end is not None:
        query = query.where(PlanLock.date <= end)
    return [_record(r) for r in session.scalars(query.order_by(PlanLock.date))]


def read_lock(session: Session, *, athlete_id: int, day: dt.date) -> LockRecord | None:
    """The lock on ``day``, if any."""
    row = session.scalars(
        select(PlanLock).where(PlanLock.athlete_id == athlete_id, PlanLock.date == day)
    ).first()
    return None if row is None else _record(row)


def save_lock(
    session: Session,
    *,
    athlete_id: int,
    day: dt.date,
    type_id: str,
    duration_min: float,
    note: str,
    role: str,
    user_id: int | None,
    now: dt.datetime,
) -> tuple[LockRecord, bool]:
    """Insert or replace the lock on ``day``. Returns (lock, created)."""
    read_athlete(session, athlete_id=athlete_id)
    row = session.scalars(
        select(PlanLock).where(PlanLock.athlete_id == athlete_id, PlanLock.date == day)
    ).first()
    created = row is None
    if row is None:
        row = PlanLock(athlete_id=athlete_id, date=day)
        session.add(row)
    row.type, row.duration_min, row.note = type_id, float(duration_min), note
    row.role, row.created_by, row.created_at = role, user_id, now
    session.flush()
    return _record(row), created


def delete_lock(session: Session, *, athlete_id: int, day: dt.date) -> bool:
    """Remove the lock on ``day``; False when there was none."""
    result = session.execute(
        delete(PlanLock).where(PlanLock.athlete_id == athlete_id, PlanLock.date == day)
    )
    return bool(getattr(result, "rowcount", 0))


def _checksum(*terms):  # noqa: ANN002, ANN202
    return func.coalesce(func.sum(sum(func.coalesce(t, 0.0) for t in terms)), 0.0)


def read_log_fingerprint(session: Session, *, athlete_id: int, until: dt.date) -> Hashable:
    """A cheap value that changes whenever the athlete's logs up to ``until`` change.

    One round trip on the athlete's indexed rows: row counts, highest ids and weighted sums of
    the logged values (sessions, check-ins, injuries), plus the athlete's profile and
    availability. Strength sets are stored with their session, so a new session covers them.
    Edits that keep every sum equal would go unnoticed, except that every correction or
    deletion through ``engine.store.records`` is logged in ``record_change``, whose newest id is
    part of the fingerprint.
    """
    athlete = read_athlete(session, athlete_id=athlete_id)
    s, w, i = TrainingSession, WellnessCheckin, Injury
    own_s = (s.athlete_id == athlete_id, s.date <= until)
    own_w = (w.athlete_id == athlete_id, w.date <= until)
    own_i = (i.athlete_id == athlete_id, i.start_date <= until)
    columns = [
        select(func.count(s.id)).where(*own_s).scalar_subquery(),
        select(func.max(s.id)).where(*own_s).scalar_subquery(),
        select(_checksum(s.duration_min, 3 * s.rpe, 0.01 * s.elevation_loss_m))
        .where(*own_s)
        .scalar_subquery(),
        select(func.count(w.id)).where(*own_w).scalar_subquery(),
        select(
            _checksum(
                w.sleep_h,
                3 * w.sleep_quality,
                7 * w.soreness,
                11 * w.fatigue,
                13 * w.mood,
                17 * w.stress,
                0.19 * w.resting_hr,
                0.023 * w.hrv_rmssd,
                29 * w.readiness,
                31 * cast(w.pain, Integer),
                37 * cast(w.illness, Integer),
            )
        )
        .where(*own_w)
        .scalar_subquery(),
        select(func.count(i.id)).where(*own_i).scalar_subquery(),
        select(func.max(i.id)).where(*own_i).scalar_subquery(),
        select(func.count(i.end_date)).where(*own_i).scalar_subquery(),
        select(func.max(RecordChange.id))
        .where(RecordChange.athlete_id == athlete_id)
        .scalar_subquery(),
    ]
    row = tuple(session.execute(select(*columns)).one())
    profile = (
        tuple(athlete.availability_min or ()),
        athlete.birth_year,
        athlete.sex,
        athlete.experience_years,
        athlete.max_hr,
        athlete.resting_hr,
        athlete.created_at,
    )
    return (*row, profile)
