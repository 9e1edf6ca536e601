"""Query functions over the Cairn tables. Every function takes the DB session keyword-only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from engine.errors import AthleteNotFoundError
from engine.store.tables import Athlete, Injury, StrengthSet, TrainingSession, WellnessCheckin
from pipelines.schemas import (
    INJURY_COLUMNS,
    SESSION_COLUMNS,
    SET_COLUMNS,
    WELLNESS_COLUMNS,
    injury_external_id,
)

DEFAULT_AVAILABILITY = [60, 60, 60, 60, 60, 120, 120]


@dataclass(frozen=True)
class AthleteLogs:
    """One athlete's logs as frames that follow ``pipelines.schemas``."""

    athlete: Athlete
    sessions: pd.DataFrame
    wellness: pd.DataFrame
    injuries: pd.DataFrame


def create_athlete(session: Session, *, data: Mapping[str, Any]) -> Athlete:
    """Insert an athlete; ``availability_min`` defaults to a typical amateur week."""
    values = dict(data)
    values.setdefault("availability_min", list(DEFAULT_AVAILABILITY))
    athlete = Athlete(**values)
    session.add(athlete)
    session.flush()
    return athlete


PROFILE_FIELDS = frozenset(
    {"name", "birth_year", "sex", "experience_years", "max_hr", "resting_hr",
     "availability_min", "goal", "timezone"}
)  # fmt: skip


def update_athlete(session: Session, *, athlete_id: int, values: Mapping[str, Any]) -> Athlete:
    """Change the given profile fields of an athlete (raises ``AthleteNotFoundError``)."""
    unknown = set(values) - PROFILE_FIELDS
    if unknown:
        raise ValueError(f"not profile fields: {', '.join(sorted(unknown))}")
    athlete = read_athlete(session, athlete_id=athlete_id)
    for key, value in values.items():
        setattr(athlete, key, list(value) if key == "availability_min" else value)
    session.flush()
    return athlete


def read_athlete(session: Session, *, athlete_id: int) -> Athlete:
    """Return the athlete or raise ``AthleteNotFoundError``."""
    athlete = session.get(Athlete, athlete_id)
    if athlete is None:
        raise AthleteNotFoundError(athlete_id)
    return athlete


def add_training_session(
    session: Session,
    *,
    athlete_id: int,
    values: Mapping[str, Any],
    sets: Sequence[Mapping[str, Any]] = (),
) -> TrainingSession:
    """Insert a session with its strength sets."""
    read_athlete(session, athlete_id=athlete_id)
    row = TrainingSession(athlete_id=athlete_id, **values)
    row.sets = [StrengthSet(**s) for s in sets]
    session.add(row)
    session.flush()
    return row


def save_wellness(
    session: Session, *, athlete_id: int, values: Mapping[str, Any]
) -> tuple[WellnessCheckin, bool]:
    """Insert the day's check-in or replace the existing one. Returns (row, created)."""
    read_athlete(session, athlete_id=athlete_id)
    query = select(WellnessCheckin).where(
        WellnessCheckin.athlete_id == athlete_id, WellnessCheckin.date == values["date"]
    )
    row = session.scalars(query).first()
    created = row is None
    if row is None:
        row = WellnessCheckin(athlete_id=athlete_id)
        session.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    session.flush()
    return row, created


def add_injury(session: Session, *, athlete_id: int, values: Mapping[str, Any]) -> Injury:
    """Insert an injury."""
    read_athlete(session, athlete_id=athlete_id)
    values = dict(values)
    values.setdefault("external_id", injury_external_id(values["start_date"], values["body_part"]))
    row = Injury(athlete_id=athlete_id, **values)
    session.add(row)
    session.flush()
    return row


def end_open_injuries(session: Session, *, athlete_id: int, end_date: dt.date) -> int:
    """Close the athlete's open injuries (``end_date`` NULL) on ``end_date``, the last day
    lost; returns how many were closed."""
    result = session.execute(
        update(Injury)
        .where(Injury.athlete_id == athlete_id, Injury.end_date.is_(None))
        .values(end_date=end_date)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def typed_frame(rows: Sequence[Any], columns: Mapping[str, str]) -> pd.DataFrame:
    """``conform(DataFrame(rows), columns, ...)`` built column by column from the fetched
    tuples (no pandas inference: the cold path reads an athlete's logs for every answer)."""
    values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    data: dict[str, pd.Series] = {}
    for (name, dtype), column in zip(columns.items(), values, strict=True):
        if dtype.startswith("datetime"):
            array = np.array(column, dtype="datetime64[ns]")
        elif dtype == "object":
            array = np.array(column, dtype=object)
        elif dtype == "bool":
            array = np.array([bool(v) for v in column], dtype=bool)
        else:
            array = np.array([np.nan if v is None else v for v in column], dtype=float)
            array = array.astype(dtype)
        data[name] = pd.Series(array, dtype=array.dtype, copy=False)
    return pd.DataFrame(data, copy=False)


def _frame(session: Session, query: Any) -> pd.DataFrame:
    result = session.execute(query)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _session_query(athlete_ids: Sequence[int] | None, until: dt.date | None) -> Any:
    cols = [getattr(TrainingSession, c) for c in SESSION_COLUMNS]
    query = select(*cols)
    if athlete_ids is not None:
        query = query.where(TrainingSession.athlete_id.in_(athlete_ids))
    if until is not None:
        query = query.where(TrainingSession.date <= until)
    return query.order_by(TrainingSession.athlete_id, TrainingSession.date)


def _wellness_query(athlete_ids: Sequence[int] | None, until: dt.date | None) -> Any:
    cols = [getattr(WellnessCheckin, c) for c in WELLNESS_COLUMNS]
    query = select(*cols)
    if athlete_ids is not None:
        query = query.where(WellnessCheckin.athlete_id.in_(athlete_ids))
    if until is not None:
        query = query.where(WellnessCheckin.date <= until)
    return query.order_by(WellnessCheckin.athlete_id, WellnessCheckin.date)


def _injury_query(athlete_ids: Sequence[int] | None, until: dt.date | None) -> Any:
    cols = [getattr(Injury, c) for c in INJURY_COLUMNS]
    query = select(*cols)
    if athlete_ids is not None:
        query = query.where(Injury.athlete_id.in_(athlete_ids))
    if until is not None:
        query = query.where(Injury.start_date <= until)
    return query.order_by(Injury.athlete_id, Injury.start_date)


def read_log_frames(
    session: Session, *, athlete_ids: Sequence[int] | None = None, until: dt.date | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read sessions, wellness and injuries (all athletes when ``athlete_ids`` is None)."""
    return (
        typed_frame(session.execute(_session_query(athlete_ids, until)).all(), SESSION_COLUMNS),
        typed_frame(session.execute(_wellness_query(athlete_ids, until)).all(), WELLNESS_COLUMNS),
        typed_frame(session.execute(_injury_query(athlete_ids, until)).all(), INJURY_COLUMNS),
    )


def read_athlete_logs(
    session: Session, *, athlete_id: int, until: dt.date | None = None
) -> AthleteLogs:
    """Read one athlete and their logs up to and including ``until``."""
    athlete = read_athlete(session, athlete_id=athlete_id)
    sessions, wellness, injuries = read_log_frames(session, athlete_ids=[athlete_id], until=until)
    return AthleteLogs(athlete=athlete, sessions=sessions, wellness=wellness, injuries=injuries)


def read_athletes_frame(
    session: Session, *, athlete_ids: Sequence[int] | None = None
) -> pd.DataFrame:
    """The athletes' static attributes (``ATHLETE_COLUMNS``), one row each (all when None)."""
    query = select(
        Athlete.id.label("athlete_id"),
        Athlete.name,
        Athlete.birth_year,
        Athlete.sex,
        Athlete.experience_years,
        Athlete.max_hr,
        Athlete.resting_hr,
        Athlete.goal,
    ).order_by(Athlete.id)
    if athlete_ids is not None:
        query = query.where(Athlete.id.in_(list(athlete_ids)))
    return _frame(session, query)


def read_timezones(session: Session) -> dict[int, str | None]:
    """Each athlete's IANA time zone (None: the installation's default applies)."""
    return {id_: zone for id_, zone in session.execute(select(Athlete.id, Athlete.timezone))}


def count_rows(session: Session) -> dict[str, int]:
    """Row counts per table (used by import summaries and tests)."""
    tables = {
        "athlete": Athlete,
        "training_session": TrainingSession,
        "strength_set": StrengthSet,
        "wellness_checkin": WellnessCheckin,
        "injury": Injury,
    }
    return {
        name: session.scalar(select(func.count()).select_from(table)) or 0
        for name, table in tables.items()
    }


def _records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    sub = frame[list(columns)].astype(object)
    sub = sub.where(pd.notna(sub), None)
    records = sub.to_dict(orient="records")
    for record in records:
        for key, value in record.items():
            if isinstance(value, pd.Timestamp):
                record[key] = (
                    value.date()
                    if key in {"date", "start_date", "end_date"}
                    else (value.to_pydatetime())
                )
    return records


def bulk_insert_logs(
    session: Session,
    *,
    sessions: pd.DataFrame,
    wellness: pd.DataFrame,
    injuries: pd.DataFrame,
    sets: pd.DataFrame | None = None,
) -> dict[str, int]:
    """Insert whole frames quickly (simulator output). Frames carry final athlete ids."""
    session_cols = [c for c in SESSION_COLUMNS]
    session_rows = _records(sessions, session_cols)
    if session_rows:
        session.execute(insert(TrainingSession), session_rows)
    if sets is not None and len(sets):
        ids = dict(
            session.execute(
                select(TrainingSession.external_id, TrainingSession.id).where(
                    TrainingSession.external_id.in_(sets["session_external_id"].unique().tolist())
                )
            ).all()
        )
        rows = sets.assign(session_id=sets["session_external_id"].map(ids))
        set_cols = ["session_id", "exercise", "set_number", "reps", "load_kg", "rpe"]
        session.execute(insert(StrengthSet), _records(rows, set_cols))
    if len(wellness):
        session.execute(insert(WellnessCheckin), _records(wellness, list(WELLNESS_COLUMNS)))
    if len(injuries):
        keyed = injuries.assign(
            external_id=[
                injury_external_id(d, b)
                for d, b in zip(injuries["start_date"], injuries["body_part"], strict=True)
            ]
        )
        session.execute(insert(Injury), _records(keyed, list(INJURY_COLUMNS)))
    return {"sessions": len(sessions), "wellness": len(wellness), "injuries": len(injuries)}


def read_set_frame(
    session: Session, *, athlete_ids: Sequence[int] | None = None, until: dt.date | None = None
) -> pd.DataFrame:
    """Strength sets (``SET_COLUMNS``) with their session's athlete and external id."""
    query = select(
        TrainingSession.athlete_id,
        TrainingSession.external_id.label("session_external_id"),
        StrengthSet.exercise,
        StrengthSet.set_number,
        StrengthSet.reps,
        StrengthSet.load_kg,
        StrengthSet.rpe,
    ).join(TrainingSession, StrengthSet.session_id == TrainingSession.id)
    if athlete_ids is not None:
        query = query.where(TrainingSession.athlete_id.in_(athlete_ids))
    if until is not None:
        query = query.where(TrainingSession.date <= until)
    return typed_frame(session.execute(query).all(), SET_COLUMNS)
