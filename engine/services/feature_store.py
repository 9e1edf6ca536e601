"""The daily feature store: kept current on every write, read by serving, training and batches.

Every write path (API logs, CLI logs, imports, simulated cohorts, and edits or deletes) calls
``refresh_features(session, athlete_id=..., since=...)`` in the same transaction as its write:
only that athlete's rows from ``since`` on are recomputed (``extend_daily_features`` continues
the stored state), so the store always equals a full rebuild (``rebuild_features``). Rows are
stamped with ``feature_version()``; rows of another version are stale: never served, rebuilt
by the next refresh or nightly batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd
from sqlalchemy.orm import Session

from engine.store import feature_days, logbook
from pipelines.feature_rows import feature_version, morning_row
from pipelines.features import LOOKBACK_DAYS, build_daily_features, extend_daily_features
from pipelines.injuries import INJURY_HORIZON_DAYS

# Rows before a changed day whose labels can change with it (readiness_next, injury_7d).
LABEL_DAYS = INJURY_HORIZON_DAYS + 1
REBUILD_CHUNK = 2_000  # athletes built at once by ``rebuild_features``


def _window(frame: pd.DataFrame, start: dt.date, column: str = "date") -> pd.DataFrame:
    return frame[frame[column] >= pd.Timestamp(start)].reset_index(drop=True)


def _rebuild_athletes(
    session: Session, athlete_ids: Sequence[int], *, until: dt.date | None, version: str
) -> int:
    """Build the athletes' rows from all their logs and replace what is stored."""
    sessions, wellness, injuries = logbook.read_log_frames(session, athlete_ids=athlete_ids)
    frame = build_daily_features(
        sessions,
        wellness,
        injuries,
        until=until,
        athlete_ids=athlete_ids if until is not None else None,
        athletes=feature_days.read_profiles(session, athlete_ids=athlete_ids),
        sets=logbook.read_set_frame(session, athlete_ids=athlete_ids),
    )
    return feature_days.replace_rows(session, frame=frame, version=version, athlete_ids=athlete_ids)


def refresh_features(session: Session, *, athlete_id: int, since: dt.date) -> int:
    """Recompute one athlete's stored rows after a write of logs dated ``since`` or later.

    Call it in the write's transaction (after the write is flushed). Rows from
    ``since - LABEL_DAYS`` on are rebuilt (their labels may read the changed days), continuing
    the stored state; the athlete is rebuilt from all logs when the store has no current rows
    for them or the change reaches back before them. Returns the rows written.
    """
    version = feature_version()
    span = feature_days.read_spans(session, version=version, athlete_ids=[athlete_id]).get(
        athlete_id
    )
    logs = feature_days.read_log_spans(session, athlete_ids=[athlete_id]).get(athlete_id)
    if logs is None:
        if span is None:
            return 0
        until: dt.date | None = span.last
    else:
        until = logs[1] if span is None else max(span.last, logs[1])
    if span is None or span.stale or (logs is not None and logs[0] < span.first):
        return _rebuild_athletes(session, [athlete_id], until=until, version=version)
    # the new rows start after the last stored row kept (at most the day before the change)
    kept = min(since - dt.timedelta(days=LABEL_DAYS + 1), span.last)
    seed_from = kept - dt.timedelta(days=LOOKBACK_DAYS)
    if seed_from < span.first:
        return _rebuild_athletes(session, [athlete_id], until=until, version=version)
    if kept >= until:
        return 0
    previous = feature_days.read_rows(
        session, version=version, athlete_ids=[athlete_id], start=seed_from, end=kept
    )
    window = {"athlete_id": athlete_id, "start": seed_from, "end": until}
    sessions = feature_days.read_session_window(session, **window)
    wellness = feature_days.read_wellness_window(session, **window)
    injuries = logbook.read_log_frames(session, athlete_ids=[athlete_id])[2]
    sets = feature_days.read_dated_sets(session, athlete_id=athlete_id, until=until)
    sets = sets[sets["session_external_id"].isin(sessions["external_id"])].drop(columns="date")
    new = extend_daily_features(
        previous,
        sessions,
        wellness,
        injuries,
        until=until,
        athletes=feature_days.read_profiles(session, athlete_ids=[athlete_id]),
        sets=sets,
    )
    return feature_days.replace_rows(
        session,
        frame=new,
        version=version,
        athlete_ids=[athlete_id],
        since=kept + dt.timedelta(days=1),
    )


def refresh_changes(session: Session, changes: Mapping[int, dt.date]) -> int:
    """``refresh_features`` for each athlete and the first day their write touched."""
    return sum(
        refresh_features(session, athlete_id=a, since=since) for a, since in sorted(changes.items())
    )


def rebuild_features(
    session: Session,
    *,
    athlete_ids: Iterable[int] | None = None,
    until: dt.date | None = None,
    chunk: int = REBUILD_CHUNK,
) -> int:
    """Rebuild the athletes' rows (all athletes with logs when None) from all their logs.

    With ``until``, every athlete gets rows up to that day (a nightly refresh); without it,
    up to their last log. Athletes are built ``chunk`` at a time (bounded memory).
    """
    version = feature_version()
    if athlete_ids is None:
        ids = sorted(feature_days.read_log_spans(session))
    else:
        ids = sorted(set(int(a) for a in athlete_ids))
    written = 0
    for lo in range(0, len(ids), chunk):
        written += _rebuild_athletes(session, ids[lo : lo + chunk], until=until, version=version)
    return written


def read_features(
    session: Session,
    *,
    athlete_ids: Sequence[int] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Stored rows of the current version (the daily feature table with labels)."""
    return feature_days.read_rows(
        session, version=feature_version(), athlete_ids=athlete_ids, start=start, end=end
    )


def read_morning_features(
    session: Session, *, athlete_id: int, today: dt.date, days: int
) -> pd.DataFrame | None:
    """The athlete's rows of the ``days`` before ``today`` plus this morning's row (today's
    sessions taken out), or None when the store cannot serve today (no current row)."""
    frame = feature_days.read_rows(
        session,
        version=feature_version(),
        athlete_ids=[athlete_id],
        start=today - dt.timedelta(days=days),
        end=today,
    )
    if frame.empty or frame["date"].iloc[-1] != pd.Timestamp(today):
        return None
    expected = (frame["date"].iloc[-1] - frame["date"].iloc[0]).days + 1
    if expected != len(frame):  # a gap: the store is incomplete for this athlete
        return None
    morning = morning_row(frame.tail(1))
    return pd.concat([frame.iloc[:-1], morning], ignore_index=True)


def ensure_current(session: Session) -> list[int]:
    """Rebuild every athlete whose stored rows are missing, stale or do not cover their logs
    (e.g. after a change of feature definitions). Returns the athletes rebuilt."""
    spans = feature_days.read_spans(session, version=feature_version())
    behind = [
        a
        for a, (first, last) in feature_days.read_log_spans(session).items()
        if a not in spans
        or spans[a].stale
        or spans[a].first > first
        or spans[a].last < last
        or spans[a].rows != (spans[a].last - spans[a].first).days + 1
    ]
    rebuild_features(session, athlete_ids=behind)
    return behind


def read_training_table(session: Session, *, chunk: int = REBUILD_CHUNK) -> pd.DataFrame:
    """The cohort's daily feature table with labels, from the store (brought up to date
    first): each athlete's rows from their first to their last log, as a full rebuild gives."""
    ensure_current(session)
    logs = feature_days.read_log_spans(session)
    ids = sorted(logs)
    parts = []
    for lo in range(0, len(ids), chunk):
        part = read_features(session, athlete_ids=ids[lo : lo + chunk])
        last = part["athlete_id"].map({a: pd.Timestamp(logs[a][1]) for a in ids[lo : lo + chunk]})
        parts.append(part[part["date"] <= last])
    if not parts:
        return read_features(session, athlete_ids=[])
    return pd.concat(parts, ignore_index=True)
