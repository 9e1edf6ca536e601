"""The daily feature store: marked dirty by the database, refreshed after the fact, read by
serving, training and the nightly batch.

Every write to the logs marks its athlete in ``feature_dirty`` (triggers of migration 0007, in
the write's own transaction, whatever code path wrote), so no change can be missed. A refresh
(``refresh_dirty``) reads the marker, computes the athlete's rows from the marked day on
outside any write transaction (``compute_refresh``: ``extend_daily_features`` continues the
stored state), then writes them and clears the marker in one short transaction, only if the
marker's ``seq`` is unchanged: a write that raced the refresh keeps its marker. Rows are
stamped with ``feature_version()``; rows of another version are never served and are rebuilt.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from engine.store import database, feature_days, logbook
from pipelines.feature_rows import decode_rows, feature_version, morning_row, stored_columns
from pipelines.features import LOOKBACK_DAYS, build_daily_features, extend_daily_features
from pipelines.injuries import INJURY_HORIZON_DAYS

log = logging.getLogger(__name__)

# Rows before a changed day whose labels can change with it (readiness_next, injury_7d).
LABEL_DAYS = INJURY_HORIZON_DAYS + 1
REBUILD_CHUNK = 1_000  # athletes built at once by a full rebuild
# A busy database, or another refresher that wrote the same rows first (PostgreSQL): the
# write is dropped and the marker stays for the next reader or nightly run.
WRITE_CONFLICTS = (OperationalError, IntegrityError)


@dataclass(frozen=True)
class Refresh:
    """Rows computed for one or more athletes: they replace the stored rows from ``since``
    on (all stored rows of ``athlete_ids`` when ``since`` is None)."""

    athlete_ids: tuple[int, ...]
    rows: pd.DataFrame
    since: dt.date | None


def build_athletes(
    session: Session, athlete_ids: Sequence[int], *, until: dt.date | None = None
) -> pd.DataFrame:
    """The athletes' daily rows from all their logs (``build_daily_features``), read only."""
    sessions, wellness, injuries = logbook.read_log_frames(session, athlete_ids=athlete_ids)
    return build_daily_features(
        sessions,
        wellness,
        injuries,
        until=until,
        athlete_ids=athlete_ids if until is not None else None,
        athletes=logbook.read_athletes_frame(session, athlete_ids=athlete_ids),
        sets=logbook.read_set_frame(session, athlete_ids=athlete_ids),
    )


def _rebuild(session: Session, athlete_id: int) -> Refresh:
    return Refresh((athlete_id,), build_athletes(session, [athlete_id]), None)


def _empty(session: Session) -> pd.DataFrame:
    return feature_days.read_rows(session, version=feature_version(), athlete_ids=[])


def compute_refresh(session: Session, *, athlete_id: int, since: dt.date) -> Refresh:
    """One athlete's rows after a change of logs dated ``since`` or later (reads only).

    Rows from ``since - LABEL_DAYS`` on are recomputed (their labels may read the changed
    days), continuing the stored state; the athlete is rebuilt from all logs when the store
    has no current rows for them or the change reaches back before them.
    """
    version = feature_version()
    span = feature_days.read_spans(session, version=version, athlete_ids=[athlete_id]).get(
        athlete_id
    )
    logs = feature_days.read_log_spans(session, athlete_ids=[athlete_id]).get(athlete_id)
    if logs is None:  # no logs left: no rows
        return Refresh((athlete_id,), _empty(session), None)
    until = logs[1]  # stored rows end at the last log, as a full rebuild's
    if span is None or span.stale or logs[0] < span.first:
        return _rebuild(session, athlete_id)
    kept = min(since - dt.timedelta(days=LABEL_DAYS + 1), span.last)
    seed_from = kept - dt.timedelta(days=LOOKBACK_DAYS)
    if seed_from < span.first:
        return _rebuild(session, athlete_id)
    if kept >= until:  # only rows after the last log go (a late log was deleted)
        return Refresh((athlete_id,), _empty(session), until + dt.timedelta(days=1))
    previous = feature_days.read_rows(
        session, version=version, athlete_ids=[athlete_id], start=seed_from, end=kept
    )
    sessions = feature_days.read_session_window(
        session, athlete_id=athlete_id, start=seed_from, end=until
    )
    wellness = feature_days.read_wellness_window(
        session, athlete_id=athlete_id, start=seed_from, end=until
    )
    injuries = logbook.read_log_frames(session, athlete_ids=[athlete_id])[2]
    sets = feature_days.read_dated_sets(session, athlete_id=athlete_id, until=until)
    sets = sets[sets["session_external_id"].isin(sessions["external_id"])].drop(columns="date")
    new = extend_daily_features(
        previous,
        sessions,
        wellness,
        injuries,
        until=until,
        athletes=logbook.read_athletes_frame(session, athlete_ids=[athlete_id]),
        sets=sets,
    )
    return Refresh((athlete_id,), new, kept + dt.timedelta(days=1))


def write_refresh(session: Session, *, refresh: Refresh, seqs: dict[int, int]) -> list[int]:
    """Replace the stored rows with ``refresh`` and clear each athlete's marker if its seq is
    still ``seqs[athlete]`` (call in one short transaction). Returns the athletes cleared."""
    feature_days.replace_rows(
        session,
        frame=refresh.rows,
        version=feature_version(),
        athlete_ids=refresh.athlete_ids,
        since=refresh.since,
    )
    return [
        a
        for a in refresh.athlete_ids
        if a in seqs and feature_days.clear_marker(session, athlete_id=a, seq=seqs[a])
    ]


def _refresh_one(factory: sessionmaker[Session], athlete_id: int) -> bool:
    """Refresh one dirty athlete (compute, then one short write). Returns whether the
    marker was cleared (False: not dirty, or a write came in meanwhile)."""
    with database.open_session(factory) as session:
        marker = feature_days.read_marker(session, athlete_id=athlete_id)
        if marker is None:
            return False
        exists = feature_days.read_existing_ids(session, athlete_ids=[athlete_id])
        if exists:
            refresh = compute_refresh(session, athlete_id=athlete_id, since=marker.from_date)
    with database.open_session(factory) as session:
        if not exists:  # a deleted athlete: its rows went with it, drop the marker
            return feature_days.clear_marker(session, athlete_id=athlete_id, seq=marker.seq)
        return bool(write_refresh(session, refresh=refresh, seqs={athlete_id: marker.seq}))


def refresh_dirty(factory: sessionmaker[Session], *, athlete_id: int | None = None) -> int:
    """Bring dirty athletes' stored rows up to date: ``athlete_id``, or every marked athlete
    (``refresh_all`` does the latter in chunks). Returns the markers cleared."""
    if athlete_id is not None:
        return int(_refresh_one(factory, athlete_id))
    return refresh_all(factory)


def try_refresh(factory: sessionmaker[Session], *, athlete_id: int) -> bool:
    """``refresh_dirty`` for one athlete, best effort (after a write has committed): a busy
    database leaves the marker for the next reader or the nightly batch."""
    try:
        return bool(refresh_dirty(factory, athlete_id=athlete_id))
    except WRITE_CONFLICTS as err:
        log.info("feature refresh of athlete %s deferred: %s", athlete_id, err)
        return False


def _behind(session: Session) -> list[int]:
    """Athletes with logs whose stored rows are missing, stale or do not cover their logs
    (e.g. rows from before the store existed, or a new feature version)."""
    spans = feature_days.read_spans(session, version=feature_version())
    return [
        a
        for a, (first, last) in feature_days.read_log_spans(session).items()
        if a not in spans
        or spans[a].stale
        or spans[a].first > first
        or spans[a].last < last
        or spans[a].rows != (spans[a].last - spans[a].first).days + 1
    ]


def refresh_all(factory: sessionmaker[Session], *, chunk: int = REBUILD_CHUNK) -> int:
    """Every dirty or out-of-date athlete brought up to date: athletes without current rows
    (or marked from before them) are rebuilt ``chunk`` at a time, the others refreshed one by
    one from their marked day. Returns the markers cleared."""
    with database.open_session(factory) as session:
        markers = {m.athlete_id: m for m in feature_days.read_markers(session)}
        behind = set(_behind(session))
        spans = feature_days.read_spans(session, version=feature_version())
    full = sorted(
        a
        for a in behind | set(markers)
        if a in behind
        or a not in spans
        or markers[a].from_date - dt.timedelta(days=LABEL_DAYS + LOOKBACK_DAYS + 1) < spans[a].first
    )
    cleared = 0
    for lo in range(0, len(full), chunk):
        try:
            cleared += _rebuild_chunk(factory, full[lo : lo + chunk], markers=markers)
        except WRITE_CONFLICTS as err:  # e.g. a reader saved some of these rows meanwhile
            log.info("rebuild of a chunk deferred: %s", err)
    for a in sorted(set(markers) - set(full)):
        cleared += int(try_refresh(factory, athlete_id=a))
    return cleared


def _rebuild_chunk(
    factory: sessionmaker[Session], ids: list[int], *, markers: dict[int, feature_days.Marker]
) -> int:
    with database.open_session(factory) as session:
        # markers re-read before the logs: a write after this read keeps its marker
        seqs = {m.athlete_id: m.seq for m in feature_days.read_markers(session, athlete_ids=ids)}
        existing = feature_days.read_existing_ids(session, athlete_ids=ids)
        rows = build_athletes(session, sorted(existing))
    with database.open_session(factory) as session:
        cleared = write_refresh(
            session, refresh=Refresh(tuple(sorted(existing)), rows, None), seqs=seqs
        )
        gone = [a for a in ids if a not in existing and a in seqs]
        cleared += [
            a for a in gone if feature_days.clear_marker(session, athlete_id=a, seq=seqs[a])
        ]
    return len(cleared)


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


def rebuild_features(session: Session, *, athlete_ids: Iterable[int]) -> pd.DataFrame:
    """A full rebuild of the athletes' rows from their logs (what the store must equal)."""
    return build_athletes(session, sorted(set(int(a) for a in athlete_ids)))


def _current_rows(
    session: Session,
    *,
    athlete_id: int,
    start: dt.date,
    end: dt.date,
    marker: feature_days.Marker | None,
) -> pd.DataFrame:
    """The athlete's rows ``start``..``end`` as a refresh would leave them: the stored rows
    when the athlete is clean, else recomputed now (and persisted best effort: when the
    database is busy the in-memory rows are served and the marker stays). ``marker`` is the
    athlete's dirty marker as the caller read it."""
    version = feature_version()
    stored = feature_days.read_rows(
        session, version=version, athlete_ids=[athlete_id], start=start, end=end
    )
    if marker is None and _contiguous(stored):
        return stored  # our writes never mix versions within one athlete's rows
    span = feature_days.read_spans(session, version=version, athlete_ids=[athlete_id])
    current = athlete_id in span and not span[athlete_id].stale
    if marker is None and current:
        return stored
    if marker is None:  # rows missing or of another version: rebuild the athlete
        refresh = _rebuild(session, athlete_id)
    else:
        refresh = compute_refresh(session, athlete_id=athlete_id, since=marker.from_date)
    _persist(session, refresh=refresh, seq=None if marker is None else marker.seq)
    new = refresh.rows
    if refresh.since is not None:
        old = stored[stored["date"] < pd.Timestamp(refresh.since)]
        new = pd.concat([old, new], ignore_index=True) if len(old) else new
    window = (new["date"] >= pd.Timestamp(start)) & (new["date"] <= pd.Timestamp(end))
    return new[window].reset_index(drop=True)


def _contiguous(rows: pd.DataFrame) -> bool:
    """Whether ``rows`` (one athlete, sorted) are non-empty and without a missing day."""
    if rows.empty:
        return False
    return (rows["date"].iloc[-1] - rows["date"].iloc[0]).days + 1 == len(rows)


def _persist(session: Session, *, refresh: Refresh, seq: int | None) -> None:
    """Write ``refresh`` in its own short transaction (best effort)."""
    if seq is None and refresh.rows.empty:
        return
    factory = sessionmaker(bind=session.get_bind(), expire_on_commit=False)
    seqs = {} if seq is None else {refresh.athlete_ids[0]: seq}
    try:
        with database.open_session(factory) as writer:
            write_refresh(writer, refresh=refresh, seqs=seqs)
    except WRITE_CONFLICTS as err:
        log.info("feature rows of athlete %s served unsaved: %s", refresh.athlete_ids, err)


def read_morning_features(
    session: Session, *, athlete_id: int, today: dt.date, days: int
) -> pd.DataFrame | None:
    """The athlete's daily rows of the ``days`` before ``today`` plus this morning's row
    (today's sessions taken out: ``morning_row``), as the coach reads them; None when the
    store has no row for ``today`` (nothing logged today yet: the caller builds from logs)."""
    start = today - dt.timedelta(days=days)
    span = feature_days.read_spans(session, version=feature_version(), athlete_ids=[athlete_id])
    stored = span.get(athlete_id)
    marker = feature_days.read_marker(session, athlete_id=athlete_id)
    if marker is None and stored is not None and not stored.stale and stored.last < today:
        return None  # nothing stored for today and nothing to refresh: the logs path
    frame = _current_rows(session, athlete_id=athlete_id, start=start, end=today, marker=marker)
    if frame.empty or frame["date"].iloc[-1] != pd.Timestamp(today):
        return None
    if (frame["date"].iloc[-1] - frame["date"].iloc[0]).days + 1 != len(frame):
        return None
    return pd.concat([frame.iloc[:-1], morning_row(frame.tail(1))], ignore_index=True)


def read_training_table(session: Session, *, chunk: int = REBUILD_CHUNK) -> pd.DataFrame:
    """The cohort's daily feature table with labels, read from the store: every athlete's rows
    from their first to their last log, exactly what ``build_daily_features`` gives from all
    the logs. Dirty or missing athletes are refreshed first; one still marked afterwards (a
    write raced the refresh) is rebuilt in memory from its logs."""
    factory = sessionmaker(bind=session.get_bind(), expire_on_commit=False)
    refresh_all(factory, chunk=chunk)
    with database.open_session(factory) as reader:
        ids = sorted(feature_days.read_log_spans(reader))
        dirty = {m.athlete_id for m in feature_days.read_markers(reader)}
        dirty |= set(_behind(reader))  # e.g. a chunk whose write was deferred
        if not dirty:
            return _read_all(reader, ids, chunk=chunk)
        parts = []
        for lo in range(0, len(ids), chunk):
            group = ids[lo : lo + chunk]
            clean = [a for a in group if a not in dirty]
            parts.append(read_features(reader, athlete_ids=clean))
            if len(clean) < len(group):
                parts.append(build_athletes(reader, [a for a in group if a in dirty]))
    if not parts:
        return _empty_frame()
    frame = pd.concat(parts, ignore_index=True)
    return frame.sort_values(["athlete_id", "date"], kind="stable").reset_index(drop=True)


def _read_all(session: Session, ids: list[int], *, chunk: int) -> pd.DataFrame:
    """Every stored row of ``ids`` decoded into preallocated columns, ``chunk`` athletes per
    read (peak memory: the table plus one chunk, not the table twice as a concat; one array
    per column, so a caller dropping columns frees them)."""
    version = feature_version()
    spans = feature_days.read_spans(session, version=version, athlete_ids=ids)
    total = sum(spans[a].rows for a in ids if a in spans)
    names = ("athlete_id", "date", *stored_columns())
    columns = {name: np.empty(total, dtype=np.float64) for name in stored_columns()}
    columns["athlete_id"] = np.empty(total, dtype=np.int64)
    columns["date"] = np.empty(total, dtype="datetime64[ns]")
    at = 0
    for lo in range(0, len(ids), chunk):
        part = read_features(session, athlete_ids=ids[lo : lo + chunk])
        n = len(part)
        for name in names:
            columns[name][at : at + n] = part[name].to_numpy()
        at += n
        del part
    if at != total:
        raise RuntimeError(f"feature store changed while read: {at} rows, expected {total}")
    return pd.DataFrame({name: columns[name] for name in names}, copy=False)


def _empty_frame() -> pd.DataFrame:
    return decode_rows(np.array([], dtype=np.int64), np.array([], dtype="datetime64[D]"), [])
