"""Writing one parsed import batch into the caller's transaction, skipping stored records.

Idempotency keys (the same as the tables' unique constraints):

- sessions: (athlete_id, source, external_id); a session's strength sets go with it;
- check-ins: (athlete_id, date); a stored check-in is kept unchanged;
- injuries: (athlete_id, start_date, body_part);
- athletes named by ``athlete_ref`` (PMData): ``Athlete.external_ref``.

Records whose key is already stored, or repeats an earlier record of the same batch, are
counted as duplicates and not written. Stored keys are fetched with one query per table
(restricted to the batch's athletes, and for check-ins and injuries its date range).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engine.store.logbook import DEFAULT_AVAILABILITY
from engine.store.tables import Athlete, Injury, StrengthSet, TrainingSession, WellnessCheckin
from pipelines.importers import ImportBatch, ImportFileError
from pipelines.importers.batch import ATHLETE_REF
from pipelines.importers.summary import zero_counts
from pipelines.schemas import (
    INJURY_COLUMNS,
    SESSION_COLUMNS,
    WELLNESS_COLUMNS,
    injury_external_id,
)

NO_ATHLETE = 0  # the athlete id parsers get when the user named none
DEFAULT_SOURCE = "import"  # ``source`` of check-ins and injuries when the format has none
_LOG_FRAMES = ("sessions", "sets", "wellness", "injuries")
_SET_COLUMNS = ("exercise", "set_number", "reps", "load_kg", "rpe")
_SESSION_KEY = ("athlete_id", "source", "external_id")
_WELLNESS_KEY = ("athlete_id", "date")
_INJURY_KEY = ("athlete_id", "source", "external_id")
_KEYS = {"sessions": _SESSION_KEY, "wellness": _WELLNESS_KEY, "injuries": _INJURY_KEY}


class Applied(NamedTuple):
    """What :func:`apply_batch` wrote: rows and duplicates per table, plus warnings."""

    imported: dict[str, int]
    duplicates: dict[str, int]
    warnings: list[str]


def apply_batch(
    session: Session,
    *,
    batch: ImportBatch,
    label: str,
    source: str = DEFAULT_SOURCE,
    athlete_id: int | None = None,
    only_athlete: bool = False,
) -> Applied:
    """Write a batch's new records into the caller's transaction (the caller commits).

    Args:
        session: Open session; commit or roll back the whole batch afterwards.
        batch: Parsed records (its rejections are not looked at here).
        label: File name for messages.
        source: ``source`` of the check-ins and injuries (sessions carry their own).
        athlete_id: The athlete the user named, if any.
        only_athlete: Refuse records of any other athlete than ``athlete_id``.

    Raises:
        ImportFileError: no athlete named, an unknown athlete, or (``only_athlete``)
            records of another athlete (roll back: athletes may have been added).
    """
    imported, duplicates = zero_counts(), zero_counts()
    refs = _athlete_refs(batch)
    if only_athlete and refs:
        raise ImportFileError(f"{label}: names its own athletes; import it with the CLI")
    ids_by_ref, imported["athletes"], duplicates["athletes"] = _resolve_refs(
        session, refs, profiles=batch.athletes
    )
    frames = {name: _with_athlete_ids(getattr(batch, name), ids_by_ref) for name in _LOG_FRAMES}
    _check_athletes(session, frames, label=label, athlete_id=athlete_id, only_athlete=only_athlete)
    frames["injuries"] = _keyed_injuries(frames["injuries"], source=source)
    warnings = _repeat_warnings(frames, label=label)
    counts = _write_sessions(session, sessions=frames["sessions"], sets=frames["sets"])
    imported["sessions"], imported["sets"], duplicates["sessions"], duplicates["sets"] = counts
    imported["wellness"], duplicates["wellness"] = _write_wellness(
        session, frames["wellness"], source=source
    )
    imported["injuries"], duplicates["injuries"] = _write_injuries(
        session, frames["injuries"], source=source
    )
    return Applied(imported, duplicates, warnings)


def _repeat_warnings(frames: dict[str, pd.DataFrame], *, label: str) -> list[str]:
    warnings = []
    for name, key in _KEYS.items():
        repeats = int(frames[name].duplicated(list(key)).sum())
        if repeats:
            warnings.append(
                f"{label}: {repeats} {name} record(s) repeat an earlier one of the same file "
                f"(same {', '.join(key)}); kept the first"
            )
    return warnings


def _plain(value: Any) -> Any:
    return None if pd.isna(value) else value


def _athlete_refs(batch: ImportBatch) -> set[str]:
    refs = {r for name in _LOG_FRAMES for r in getattr(batch, name)[ATHLETE_REF].dropna()}
    return refs | set(batch.athletes[ATHLETE_REF].dropna())


def _resolve_refs(
    session: Session, refs: set[str], *, profiles: pd.DataFrame
) -> tuple[dict[str, int], int, int]:
    """Find or create the athletes named by ``athlete_ref``: (ids by ref, created, found)."""
    if not refs:
        return {}, 0, 0
    query = select(Athlete.external_ref, Athlete.id).where(Athlete.external_ref.in_(refs))
    found: dict[str, int] = {str(ref): id_ for ref, id_ in session.execute(query)}
    by_ref = {r[ATHLETE_REF]: r for r in profiles.to_dict(orient="records")}
    created = 0
    for ref in sorted(refs - set(found)):
        athlete = Athlete(**_athlete_values(by_ref.get(ref, {"name": ref})), external_ref=ref)
        session.add(athlete)
        session.flush()
        found[ref], created = athlete.id, created + 1
    return found, created, len(refs) - created


def _athlete_values(profile: dict[str, Any]) -> dict[str, Any]:
    birth_year = _plain(profile.get("birth_year"))
    values = {
        key: _plain(profile.get(key))
        for key in ("sex", "experience_years", "max_hr", "resting_hr", "goal")
    }
    return {
        **values,
        "name": profile.get("name") or "athlete",
        "birth_year": int(birth_year) if birth_year is not None else None,
        "availability_min": list(DEFAULT_AVAILABILITY),
    }


def _with_athlete_ids(frame: pd.DataFrame, ids_by_ref: dict[str, int]) -> pd.DataFrame:
    if frame.empty or not ids_by_ref:
        return frame
    refs = frame[ATHLETE_REF]
    resolved = refs.map(ids_by_ref).where(refs.notna(), frame["athlete_id"])
    return frame.assign(athlete_id=resolved.astype("int64"))


def _check_athletes(
    session: Session,
    frames: dict[str, pd.DataFrame],
    *,
    label: str,
    athlete_id: int | None,
    only_athlete: bool,
) -> None:
    named: set[int] = set()
    for frame in frames.values():
        named |= {int(a) for a in frame.loc[frame[ATHLETE_REF].isna(), "athlete_id"]}
    if NO_ATHLETE in named:
        raise ImportFileError(
            f"{label}: no athlete given for its records; name one (cairn import --athlete ID)"
        )
    others = sorted(named - {athlete_id}) if only_athlete else []
    if others:
        raise ImportFileError(
            f"{label}: has records of athlete {others[0]} (athlete_id column), "
            f"not of athlete {athlete_id}; nothing imported"
        )
    query = select(Athlete.id).where(Athlete.id.in_(named))
    missing = sorted(named - set(session.scalars(query))) if named else []
    if missing:
        raise ImportFileError(
            f"{label}: athlete {missing[0]} not found; create the athlete first "
            "(POST /athletes) or fix the athlete id; nothing imported"
        )


def _records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    """Frame rows as dicts of plain Python values (NaN/NaT -> None, dates as ``date``)."""
    out = frame[list(columns)].astype(object)
    out = out.where(frame[list(columns)].notna(), None)
    for column in out.columns.intersection(["date", "start_date", "end_date", "start_time"]):
        plain = [
            None if v is None else (v.to_pydatetime() if column == "start_time" else v.date())
            for v in out[column]
        ]
        out[column] = pd.Series(plain, index=out.index, dtype=object)
    return out.to_dict(orient="records")


def _keys(frame: pd.DataFrame, columns: Sequence[str]) -> list[tuple]:
    """Row keys as plain Python tuples (ints, dates, strings), comparable with DB rows."""
    parts = [frame[c].dt.date if c.endswith("date") else frame[c] for c in columns]
    return list(zip(*(p.tolist() for p in parts), strict=True))


def _new_rows(frame: pd.DataFrame, columns: Sequence[str], stored: set[tuple]) -> pd.DataFrame:
    """Rows whose key is neither stored nor repeats an earlier row of the frame."""
    keys = _keys(frame, columns)
    seen = set(stored)
    keep = []
    for key in keys:
        keep.append(key not in seen)
        seen.add(key)
    return frame[keep]


def _write_sessions(
    session: Session, *, sessions: pd.DataFrame, sets: pd.DataFrame
) -> tuple[int, int, int, int]:
    """Insert new sessions and their sets: (sessions, sets, duplicate sessions, dup sets)."""
    if sessions.empty:
        return 0, 0, 0, 0
    table = TrainingSession
    query = select(table.athlete_id, table.source, table.external_id).where(
        table.athlete_id.in_(sessions["athlete_id"].unique().tolist()),
        table.source.in_(sessions["source"].unique().tolist()),
    )
    new = _new_rows(sessions, _SESSION_KEY, {tuple(row) for row in session.execute(query)})
    rows = _records(new, list(SESSION_COLUMNS))
    returning = insert(table).returning(table.id, table.athlete_id, table.external_id)
    inserted = session.execute(returning, rows).all() if rows else []
    id_by_key = {(a, e): i for i, a, e in inserted}
    set_keys = zip(sets["athlete_id"], sets["session_external_id"], strict=True)
    set_ids = pd.Series([id_by_key.get((int(a), e)) for a, e in set_keys], dtype=object)
    new_sets = sets.reset_index(drop=True)[set_ids.notna()].assign(session_id=set_ids.dropna())
    set_rows = _records(new_sets, ["session_id", *_SET_COLUMNS])
    if set_rows:
        session.execute(insert(StrengthSet), set_rows)
    return len(rows), len(set_rows), len(sessions) - len(rows), len(sets) - len(set_rows)


def _key_range(frame: pd.DataFrame, column: str) -> tuple[list[int], dt.date, dt.date]:
    days = frame[column]
    return frame["athlete_id"].unique().tolist(), days.min().date(), days.max().date()


def _write_wellness(session: Session, frame: pd.DataFrame, *, source: str) -> tuple[int, int]:
    """Insert check-ins of new (athlete, day)s; a stored check-in is kept: (new, duplicates)."""
    if frame.empty:
        return 0, 0
    athletes, first, last = _key_range(frame, "date")
    query = select(WellnessCheckin.athlete_id, WellnessCheckin.date).where(
        WellnessCheckin.athlete_id.in_(athletes), WellnessCheckin.date.between(first, last)
    )
    new = _new_rows(frame, _WELLNESS_KEY, {tuple(row) for row in session.execute(query)})
    rows = [{**r, "source": source} for r in _records(new, list(WELLNESS_COLUMNS))]
    if rows:
        session.execute(insert(WellnessCheckin), rows)
    return len(rows), len(frame) - len(rows)


def _keyed_injuries(frame: pd.DataFrame, *, source: str) -> pd.DataFrame:
    """Give every injury its ``source`` and identity.

    A report without its own id (every format but PMData) is identified by its start date and
    body part (``injury_external_id``).
    """
    if "external_id" not in frame.columns:
        frame = frame.assign(external_id=pd.NA)
    natural = [
        injury_external_id(d, b)
        for d, b in zip(frame["start_date"], frame["body_part"], strict=True)
    ]
    ids = frame["external_id"].astype(object).where(frame["external_id"].notna(), natural)
    return frame.assign(source=source, external_id=ids)


def _write_injuries(session: Session, frame: pd.DataFrame, *, source: str) -> tuple[int, int]:
    """Insert injuries of new (athlete, source, external_id)s: (new, duplicates)."""
    if frame.empty:
        return 0, 0
    athletes, first, last = _key_range(frame, "start_date")
    query = select(Injury.athlete_id, Injury.source, Injury.external_id).where(
        Injury.athlete_id.in_(athletes), Injury.start_date.between(first, last)
    )
    new = _new_rows(frame, _INJURY_KEY, {tuple(row) for row in session.execute(query)})
    rows = _records(new, [*INJURY_COLUMNS, "source"])
    if rows:
        session.execute(insert(Injury), rows)
    return len(rows), len(frame) - len(rows)
