"""Prepared answers: recommendations computed ahead (the nightly batch) or once (any request),
kept in the database with the key of their inputs and served while the inputs are unchanged.

An answer is a pure function of the athlete's logs up to the day, the profile, the plan
locks, the goal events, the served models, the rules and the code. ``inputs_key`` hashes
all of them (the logs through ``plan_locks.read_log_fingerprint``, the models through their
registry versions, the code through a hash of every source file of ``engine``, ``pipelines``
and ``models``), so a prepared answer is served
only when recomputing it would give the same answer; any new log, lock, event, champion,
setting or release makes a new key and the answer is computed again (then saved).

Only answers of registered models are kept: a model without a registry version (an
evaluation's own fit) or the rule-based fallback is never saved nor served from here.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from engine.coach.answer import Recommendation
from engine.coach.goals import GoalEvent
from engine.coach.scoring import ModelSet
from engine.optimizer.catalogue import Candidate
from engine.optimizer.choose import Rules
from engine.store import database, prepared_answers

log = logging.getLogger(__name__)

# The packages whose code decides an answer (a change of any file in them is a new key: the
# coach and optimizer, but also the services and store reads around them).
CODE_PACKAGES = ("engine", "pipelines", "models")


@functools.cache
def code_stamp() -> str:
    """A hash of the source of every module that decides an answer."""
    import importlib

    digest = hashlib.sha256()
    for name in CODE_PACKAGES:
        root = Path(importlib.import_module(name).__file__ or "").parent
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def registered(versions: Mapping[str, int | None]) -> bool:
    """Whether every served model has a registry version (answers are kept only then)."""
    return bool(versions) and all(v is not None for v in versions.values())


def keeps(models: ModelSet) -> bool:
    """Whether answers under ``models`` are prepared and served (registered models only)."""
    return models.available and registered(models.versions)


def inputs_key(
    *,
    athlete_id: int,
    today: dt.date,
    fingerprint: Hashable,
    locks: Mapping[dt.date, Candidate],
    goals: Sequence[GoalEvent],
    versions: Mapping[str, int | None],
    source: str | None,
    rules: Rules,
) -> str:
    """The hash of every input of one athlete's answer of ``today`` (the models by their
    registry ``versions`` and ``source``)."""
    parts = [
        athlete_id,
        today.isoformat(),
        repr(fingerprint),
        repr(sorted(locks.items())),
        repr(tuple(goals)),
        sorted((name, version) for name, version in versions.items()),
        source,
        repr(rules),
        code_stamp(),
    ]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def read_prepared(
    session: Session, *, athlete_id: int, today: dt.date, key: str
) -> Recommendation | None:
    """The prepared answer of the athlete's day when it was computed from the same inputs."""
    stored = prepared_answers.read_answer(session, athlete_id=athlete_id, day=today)
    if stored is None or stored.inputs_key != key:
        return None
    return Recommendation.from_dict(stored.answer)


def save_prepared(session: Session, answers: Sequence[tuple[str, Recommendation]]) -> int:
    """Write ``(key, answer)`` pairs in their own short transaction, best effort: a busy
    database (or a value it refuses) drops them with a log line, never the request; the next
    request computes the answer again. Returns rows written."""
    if not answers:
        return 0
    factory = sessionmaker(bind=session.get_bind(), expire_on_commit=False)
    rows = [
        {"athlete_id": r.athlete_id, "date": r.date, "inputs_key": key, "answer": r.to_dict()}
        for key, r in answers
    ]
    try:
        with database.open_session(factory) as writer:
            return prepared_answers.replace_answers(writer, answers=rows)
    except (SQLAlchemyError, ValueError, TypeError) as err:
        log.warning("prepared answers not saved (%s rows): %s", len(rows), err)
        return 0
