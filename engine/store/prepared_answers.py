"""Prepared answers: one recommendation per athlete and day, with the key of its inputs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import delete, func, insert, select, tuple_
from sqlalchemy.orm import Session

from engine.store.tables import PreparedAnswer

INSERT_CHUNK = 500


class StoredAnswer(NamedTuple):
    """A prepared answer as read back: the key of its inputs and the contract's JSON."""

    inputs_key: str
    answer: dict[str, Any]


def read_answer(session: Session, *, athlete_id: int, day: dt.date) -> StoredAnswer | None:
    """The prepared answer of one athlete's day, if any (whatever inputs it was made from)."""
    row = session.execute(
        select(PreparedAnswer.inputs_key, PreparedAnswer.answer).where(
            PreparedAnswer.athlete_id == athlete_id, PreparedAnswer.date == day
        )
    ).first()
    return None if row is None else StoredAnswer(row[0], row[1])


def replace_answers(session: Session, *, answers: Sequence[Mapping[str, Any]]) -> int:
    """Write answers (``athlete_id``, ``date``, ``inputs_key``, ``answer``), replacing any
    prepared for the same athlete and day. Returns the rows written."""
    records = [
        {
            "athlete_id": int(a["athlete_id"]),
            "date": a["date"],
            "inputs_key": a["inputs_key"],
            "answer": a["answer"],
            "computed_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
        }
        for a in answers
    ]
    for lo in range(0, len(records), INSERT_CHUNK):
        part = records[lo : lo + INSERT_CHUNK]
        keys = [(r["athlete_id"], r["date"]) for r in part]
        session.execute(
            delete(PreparedAnswer).where(
                tuple_(PreparedAnswer.athlete_id, PreparedAnswer.date).in_(keys)
            )
        )
        session.execute(insert(PreparedAnswer), part)
    return len(records)


def count_answers(session: Session, *, day: dt.date | None = None) -> int:
    """How many answers are prepared (for ``day``, or in all)."""
    query = select(func.count()).select_from(PreparedAnswer)
    if day is not None:
        query = query.where(PreparedAnswer.date == day)
    return int(session.execute(query).scalar_one())


def delete_before(session: Session, *, day: dt.date) -> int:
    """Delete the prepared answers of days before ``day``. Returns the rows deleted."""
    result = session.execute(delete(PreparedAnswer).where(PreparedAnswer.date < day))
    return int(getattr(result, "rowcount", 0) or 0)
