"""Queries over the daily feature store (``feature_day``), its dirty markers and the nightly
scores.

Rows are the float vectors of ``pipelines.feature_rows``; only rows of the current version
are ever returned as features (older ones are stale and are rebuilt by the services).
``feature_dirty`` is written by database triggers (migration 0007) on every write to the logs;
this module only reads a marker and clears it when its ``seq`` is unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from engine.store.logbook import typed_frame
from engine.store.tables import (
    Athlete,
    FeatureDay,
    FeatureDirty,
    Injury,
    MorningScore,
    StrengthSet,
    TrainingSession,
    WellnessCheckin,
)
from pipelines.feature_rows import decode_rows, encode_rows
from pipelines.schemas import (
    INJURY_COLUMNS,
    SESSION_COLUMNS,
    SET_COLUMNS,
    WELLNESS_COLUMNS,
    conform,
)

INSERT_CHUNK = 5_000


class Marker(NamedTuple):
    """A dirty athlete: rows from ``from_date`` on may be out of date; ``seq`` counts marks."""

    athlete_id: int
    from_date: dt.date
    seq: int


def read_markers(session: Session, *, athlete_ids: Sequence[int] | None = None) -> list[Marker]:
    """The dirty markers (of ``athlete_ids``, or all), by athlete."""
    query = select(FeatureDirty.athlete_id, FeatureDirty.from_date, FeatureDirty.seq)
    if athlete_ids is not None:
        query = query.where(FeatureDirty.athlete_id.in_(list(athlete_ids)))
    rows = session.execute(query.order_by(FeatureDirty.athlete_id)).all()
    return [Marker(int(a), d, int(q)) for a, d, q in rows]


def read_marker(session: Session, *, athlete_id: int) -> Marker | None:
    """One athlete's dirty marker, or None when the stored rows are current."""
    markers = read_markers(session, athlete_ids=[athlete_id])
    return markers[0] if markers else None


def clear_marker(session: Session, *, athlete_id: int, seq: int) -> bool:
    """Delete the athlete's marker only if no write marked it again since ``seq`` was read
    (a write racing a refresh keeps its marker). Returns whether it was cleared."""
    query = delete(FeatureDirty).where(
        FeatureDirty.athlete_id == athlete_id, FeatureDirty.seq == seq
    )
    return bool(getattr(session.execute(query), "rowcount", 0))


def read_existing_ids(session: Session, *, athlete_ids: Sequence[int]) -> set[int]:
    """Which of ``athlete_ids`` still exist."""
    query = select(Athlete.id).where(Athlete.id.in_(list(athlete_ids)))
    return {int(a) for a in session.scalars(query)}


class StoredSpan(NamedTuple):
    """An athlete's stored rows: first and last day, rows, and rows of another version."""

    first: dt.date
    last: dt.date
    rows: int
    stale: int


def read_spans(
    session: Session, *, version: str, athlete_ids: Sequence[int] | None = None
) -> dict[int, StoredSpan]:
    """Each athlete's stored span (athletes without rows are absent)."""
    stale = func.sum(func.cast(FeatureDay.version != version, FeatureDay.athlete_id.type))
    query = select(
        FeatureDay.athlete_id,
        func.min(FeatureDay.date),
        func.max(FeatureDay.date),
        func.count(),
        stale,
    ).group_by(FeatureDay.athlete_id)
    if athlete_ids is not None:
        query = query.where(FeatureDay.athlete_id.in_(list(athlete_ids)))
    return {
        int(a): StoredSpan(first, last, int(n), int(s or 0))
        for a, first, last, n, s in session.execute(query).all()
    }


def read_log_spans(
    session: Session, *, athlete_ids: Sequence[int] | None = None
) -> dict[int, tuple[dt.date, dt.date]]:
    """First and last logged day (sessions and check-ins) of each athlete with logs."""
    spans: dict[int, tuple[dt.date, dt.date]] = {}
    for table in (TrainingSession, WellnessCheckin):
        query = select(table.athlete_id, func.min(table.date), func.max(table.date)).group_by(
            table.athlete_id
        )
        if athlete_ids is not None:
            query = query.where(table.athlete_id.in_(list(athlete_ids)))
        for a, first, last in session.execute(query).all():
            old = spans.get(int(a), (first, last))
            spans[int(a)] = (min(old[0], first), max(old[1], last))
    return spans


def read_athlete_ids(session: Session) -> list[int]:
    """Every athlete's id, ascending."""
    return [int(a) for a in session.scalars(select(Athlete.id).order_by(Athlete.id))]


def read_rows(
    session: Session,
    *,
    version: str,
    athlete_ids: Sequence[int] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Stored rows of the current ``version`` (sorted by athlete and day), decoded."""
    query = select(FeatureDay.athlete_id, FeatureDay.date, FeatureDay.values).where(
        FeatureDay.version == version
    )
    if athlete_ids is not None:
        query = query.where(FeatureDay.athlete_id.in_(list(athlete_ids)))
    if start is not None:
        query = query.where(FeatureDay.date >= start)
    if end is not None:
        query = query.where(FeatureDay.date <= end)
    rows = session.execute(query.order_by(FeatureDay.athlete_id, FeatureDay.date)).all()
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    dates = np.array([r[1] for r in rows], dtype="datetime64[D]")
    return decode_rows(ids, dates, [r[2] for r in rows])


def replace_rows(
    session: Session,
    *,
    frame: pd.DataFrame,
    version: str,
    athlete_ids: Iterable[int],
    since: dt.date | None = None,
) -> int:
    """Delete the athletes' rows from ``since`` on (all without it) and insert ``frame``."""
    ids = list(athlete_ids)
    if not ids:
        return 0
    query = delete(FeatureDay).where(FeatureDay.athlete_id.in_(ids))
    if since is not None:
        query = query.where(FeatureDay.date >= since)
    session.execute(query)
    return insert_rows(session, frame=frame, version=version)


def insert_rows(session: Session, *, frame: pd.DataFrame, version: str) -> int:
    """Insert ``frame``'s rows (no row of the same athlete-day may be stored)."""
    if frame.empty:
        return 0
    blobs = encode_rows(frame)
    ids = frame["athlete_id"].to_numpy(np.int64).tolist()
    days = [d.date() for d in pd.DatetimeIndex(frame["date"])]
    for lo in range(0, len(blobs), INSERT_CHUNK):
        records = [
            {"athlete_id": a, "date": d, "version": version, "values": b}
            for a, d, b in zip(
                ids[lo : lo + INSERT_CHUNK],
                days[lo : lo + INSERT_CHUNK],
                blobs[lo : lo + INSERT_CHUNK],
                strict=True,
            )
        ]
        session.execute(insert(FeatureDay), records)
    return len(blobs)


def delete_rows(session: Session, *, athlete_ids: Sequence[int] | None = None) -> int:
    """Delete stored rows (all athletes when ``athlete_ids`` is None)."""
    query = delete(FeatureDay)
    if athlete_ids is not None:
        query = query.where(FeatureDay.athlete_id.in_(list(athlete_ids)))
    return int(getattr(session.execute(query), "rowcount", 0) or 0)


def replace_scores(session: Session, *, day: dt.date, scores: Sequence[Mapping[str, Any]]) -> int:
    """Replace the nightly scores of ``day`` for the athletes in ``scores``."""
    ids = [int(s["athlete_id"]) for s in scores]
    for lo in range(0, len(ids), INSERT_CHUNK):
        chunk = ids[lo : lo + INSERT_CHUNK]
        session.execute(
            delete(MorningScore).where(MorningScore.date == day, MorningScore.athlete_id.in_(chunk))
        )
    records = [dict(s) | {"date": day} for s in scores]
    for lo in range(0, len(records), INSERT_CHUNK):
        session.execute(insert(MorningScore), records[lo : lo + INSERT_CHUNK])
    return len(records)


def read_score(session: Session, *, athlete_id: int, day: dt.date) -> MorningScore | None:
    """The nightly scores of one athlete's morning, if the batch wrote them."""
    return session.get(MorningScore, (athlete_id, day))


def read_scores(session: Session, *, day: dt.date) -> list[MorningScore]:
    """All nightly scores of ``day``, by athlete."""
    query = select(MorningScore).where(MorningScore.date == day)
    return list(session.scalars(query.order_by(MorningScore.athlete_id)))


def read_session_window(
    session: Session, *, athlete_id: int, start: dt.date, end: dt.date
) -> pd.DataFrame:
    """One athlete's sessions (``SESSION_COLUMNS``) dated ``start``..``end``."""
    cols = [getattr(TrainingSession, c) for c in SESSION_COLUMNS]
    query = (
        select(*cols)
        .where(
            TrainingSession.athlete_id == athlete_id,
            TrainingSession.date >= start,
            TrainingSession.date <= end,
        )
        .order_by(TrainingSession.athlete_id, TrainingSession.date)
    )
    return typed_frame(session.execute(query).all(), SESSION_COLUMNS)


_DATED_SET_COLUMNS = {**SET_COLUMNS, "date": "datetime64[ns]"}


def read_dated_sets(session: Session, *, athlete_id: int, until: dt.date) -> pd.DataFrame:
    """One athlete's strength sets up to ``until`` (``SET_COLUMNS``) with their session's
    ``date``."""
    query = (
        select(
            TrainingSession.athlete_id,
            TrainingSession.external_id.label("session_external_id"),
            StrengthSet.exercise,
            StrengthSet.set_number,
            StrengthSet.reps,
            StrengthSet.load_kg,
            StrengthSet.rpe,
            TrainingSession.date,
        )
        .join(TrainingSession, StrengthSet.session_id == TrainingSession.id)
        .where(TrainingSession.athlete_id == athlete_id, TrainingSession.date <= until)
    )
    return typed_frame(session.execute(query).all(), _DATED_SET_COLUMNS)


def read_wellness_window(
    session: Session, *, athlete_id: int, start: dt.date, end: dt.date
) -> pd.DataFrame:
    """One athlete's check-ins (``WELLNESS_COLUMNS``) dated ``start``..``end``."""
    cols = [getattr(WellnessCheckin, c) for c in WELLNESS_COLUMNS]
    query = (
        select(*cols)
        .where(
            WellnessCheckin.athlete_id == athlete_id,
            WellnessCheckin.date >= start,
            WellnessCheckin.date <= end,
        )
        .order_by(WellnessCheckin.date)
    )
    return typed_frame(session.execute(query).all(), WELLNESS_COLUMNS)


class LogWindow(NamedTuple):
    """Athletes' logs of a window (all their injuries), as ``build_daily_features`` takes."""

    sessions: pd.DataFrame
    wellness: pd.DataFrame
    injuries: pd.DataFrame
    sets: pd.DataFrame


def read_log_window(
    session: Session, *, athlete_ids: Sequence[int], start: dt.date, end: dt.date
) -> LogWindow:
    """The athletes' sessions, check-ins and strength sets dated ``start``..``end`` and all
    their injuries (what continuing their stored rows reads)."""
    ids = list(athlete_ids)

    def dated(table: Any, columns: Mapping[str, str]) -> pd.DataFrame:
        query = select(*[getattr(table, c) for c in columns]).where(
            table.athlete_id.in_(ids), table.date >= start, table.date <= end
        )
        rows = session.execute(query.order_by(table.athlete_id, table.date)).all()
        return typed_frame(rows, columns)

    sets = select(
        TrainingSession.athlete_id,
        TrainingSession.external_id.label("session_external_id"),
        StrengthSet.exercise,
        StrengthSet.set_number,
        StrengthSet.reps,
        StrengthSet.load_kg,
        StrengthSet.rpe,
    ).join(TrainingSession, StrengthSet.session_id == TrainingSession.id)
    sets = sets.where(
        TrainingSession.athlete_id.in_(ids),
        TrainingSession.date >= start,
        TrainingSession.date <= end,
    )
    injuries = select(*[getattr(Injury, c) for c in INJURY_COLUMNS]).where(
        Injury.athlete_id.in_(ids), Injury.start_date <= end
    )
    return LogWindow(
        sessions=dated(TrainingSession, SESSION_COLUMNS),
        wellness=dated(WellnessCheckin, WELLNESS_COLUMNS),
        injuries=conform(
            pd.DataFrame(session.execute(injuries).all(), columns=list(INJURY_COLUMNS)),
            INJURY_COLUMNS,
            name="injuries",
        ),
        sets=typed_frame(session.execute(sets).all(), SET_COLUMNS),
    )
